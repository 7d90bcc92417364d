"""Logging set-up: readable lines by default, JSON lines when configured.

Personal data and secrets are masked in every record (phone numbers, e-mail addresses,
bearer tokens, Telegram bot tokens, link codes) as a last line of defence; the code also
avoids logging them in the first place.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time

_MASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"), "<telegram-token>"),
    (re.compile(r"(?i)\b(bearer|access_token=|token=)\s*[A-Za-z0-9._~+/=-]{8,}"), r"\1<secret>"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"), "<email>"),
    # Link codes (bot/linking/codes.py): XXXX-XXXX from an alphabet without 0, O, 1, I, L.
    (re.compile(r"\b[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}\b"), "<link-code>"),
    # International numbers ("+34 600 111 222") and bare sender ids such as WhatsApp's
    # "34600111222"; dates, times and addresses ("2026-11-22", "127.0.0.1:8080") stay.
    (re.compile(r"\+\d[\d\s().-]{6,}\d|\b\d{9,15}\b"), "<phone>"),
]


def mask(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("channel", "customer", "flow", "step", "ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return mask(json.dumps(entry, ensure_ascii=False))


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "httpx", "aiogram.event"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
