from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.channels import ConnectorContext
from bot.logs import JsonFormatter, MaskingFormatter, describe, mask
from bot.messages import Inbound
from bot.runtime import Runtime
from bot.web.types import WebRequest
from connectors.meta.webhook import MetaWebhook, messages_only
from connectors.telegram.updates import parse_update
from tests.connectors.webchat.test_webchat import connect


def runtime_context() -> ConnectorContext:
    """A context whose sink records nothing (the delivery never parses)."""

    async def sink(messages: Sequence[Inbound]) -> None:
        raise AssertionError("nothing parses, so nothing is recorded")

    return ConnectorContext(sink=sink, state=None)  # type: ignore[arg-type]


# Proves docs/architecture.md invariant 7.
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


# Each value a log line must never show, as it may reach one.
PLANTED = {
    "national phone": "600 111 222",
    "national phone, bracketed": "(555) 123-4567",
    "national phone, pairs": "06 12 34 56 78",
    "national phone, dashed": "612-345-678",
    "non-ASCII e-mail": "josé.núñez@correo.es",
    "IDN e-mail": "用户@例子.中国",
    "lowercase link code": "k7qm-3xpa",
    "undashed link code": "K7QM3XPA",
    "undashed lowercase link code": "k7qm3xpa",
    "all-letter code in a link": "?link=kxqmwxpa",
    "Meta token": "EAAGm0PX4ZCpsBAKZCZAj9oQZDZD1234567890",
    "visitor token": "dnQ0MBzqWaZ_YsuW.0123456789abcdef0123456789abcdef",
}


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_national_phones_idn_emails_any_case_codes_and_meta_tokens_are_masked(kind: str) -> None:
    value = PLANTED[kind]
    line = mask(f"something about {value}, logged")
    assert re.fullmatch(r"something about (\?link=)?<[a-z-]+>, logged", line), line


def test_numbers_words_and_versions_that_are_not_personal_data_stay() -> None:
    line = ("2026-11-22T16:52:02.195Z turn customer=3f9a2b4c5d6e flow=menu step=ask 12.3ms "
            "data-base well-made whatsapp aiogram 3.20 valkey 8.1.4 10.0.0.1:8080 10000 msgs")
    assert mask(line) == line


def test_a_parse_error_is_described_without_the_input() -> None:
    try:
        Inbound.model_validate({"identity": {"channel": "x", "account": "a", "user_id": "1"},
                                "message_id": "m", "text": {"name": "Zebediah Quux"}})
    except ValidationError as exc:
        described = describe(exc)
    assert "Zebediah" not in described
    assert described.startswith("ValidationError") and "text string_type" in described


@pytest.fixture
def every_line() -> Iterator[io.StringIO]:
    """Every record of every logger, at DEBUG, as both formatters write it."""
    lines = io.StringIO()
    handlers = [logging.StreamHandler(lines), logging.StreamHandler(lines)]
    handlers[0].setFormatter(MaskingFormatter("%(name)s %(message)s"))
    handlers[1].setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    yield lines
    for handler in handlers:
        root.removeHandler(handler)
    root.setLevel(level)


async def test_no_planted_value_reaches_any_log_line(make_settings: Any,
                                                     every_line: io.StringIO) -> None:
    name = "Zebediah Quux"  # nothing masks a name: only not quoting input keeps it out
    async with Runtime(make_settings()) as runtime, aiohttp.ClientSession() as http:
        browser, _ = await connect(http, runtime, token=PLANTED["visitor token"])
        for n, value in enumerate([*PLANTED.values(), name]):
            await browser.send(type="message", id=f"p{n}", text=f"my details: {value}")
            await browser.receive("ack")
        await browser.send(type="choice", id="c", payload="menu:x", title=PLANTED["Meta token"])
        await browser.receive("ack")
        await runtime.settle()
    # Parsers that choke on a field quote it in their error: a Telegram location whose
    # latitude is a name, a Meta delivery its parser cannot read.
    parse_update({"update_id": 9, "message": {
        "message_id": 1, "date": 1, "chat": {"id": 7, "type": "private"},
        "from": {"id": 7, "first_name": "Ana"}, "location": {"latitude": name, "longitude": 1}}},
        account="1")
    webhook = MetaWebhook(channel="whatsapp", path="/w", app_secret="s", verify_token="v",
                          expected_object="page", read=messages_only(lambda update: [
                              Inbound.model_validate(update["inbound"])]))
    webhook.bind(runtime_context())
    body = json.dumps({"object": "page", "inbound": {"text": name,
                                                     "phone": PLANTED["national phone"]}})
    signature = "sha256=" + hmac.new(b"s", body.encode(), hashlib.sha256).hexdigest()
    answer = await webhook.receive(WebRequest(method="POST", path="/w", query={},
                                              headers={"x-hub-signature-256": signature},
                                              body=body.encode()))
    assert answer.status == 200
    text = every_line.getvalue()
    assert text.count("\n") > 20, "the runtime logged its work"
    assert "could not parse a webhook delivery (ValidationError" in text
    assert "dropping a malformed Telegram update 9: ValueError" in text
    for value in [*PLANTED.values(), name]:
        assert value.removeprefix("?link=") not in text, value
