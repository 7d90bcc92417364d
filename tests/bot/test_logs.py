from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, MaskingFormatter, mask


def test_personal_data_and_tokens_are_masked() -> None:
    line = mask("from +34 600 111 222 (34600111222) ana@example.com "
                "token 123456:AAH-abcdefghijklmnopqrstuvwxyz012345 Bearer abcdef123456")
    for secret in ("600 111 222", "34600111222", "ana@example.com", "AAH-abcdef", "abcdef123456"):
        assert secret not in line


def test_times_dates_and_addresses_are_left_alone() -> None:
    line = "2026-11-22 16:52:02,195 listening on 127.0.0.1:59391 port 8080"
    assert mask(line) == line


def test_both_formatters_mask() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "phone %s", ("+34600111222",), None)
    assert "+34600111222" not in MaskingFormatter("%(message)s").format(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "phone <phone>" and entry["level"] == "info"
