"""parse_update on raw Bot API JSON (tests/data/telegram)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Inbound
from connectors.telegram.updates import button_title, parse_update

DATA = Path(__file__).parents[2] / "data" / "telegram"


def load(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text())


def one(name: str) -> Inbound:
    [inbound] = parse_update(load(name), account="123456")
    return inbound


def test_text() -> None:
    inbound = one("text")
    assert inbound.identity.key == "telegram:123456:42"
    assert inbound.message_id == "u100" and inbound.text == "hello there"
    assert inbound.sender.name == "Ana García" and inbound.sender.locale == "es"
    assert inbound.timestamp == 1700000000.0


def test_commands_stay_text() -> None:
    assert one("command").command == ("ticket", "T100")
    assert one("deep_link").command == ("start", "ABC")


def test_callback_query_gives_the_payload() -> None:
    inbound = one("callback_query")
    assert inbound.payload == "menu:shelf" and inbound.text is None
    assert inbound.message_id == "u103"
    assert button_title(load("callback_query"), "menu:shelf") == "Browse the shelf"


def test_own_contact_is_a_verified_phone() -> None:
    inbound = one("contact_own")
    [contact] = inbound.attachments
    assert contact.kind == "contact" and contact.phone == "+34600111222" and contact.own_phone
    assert inbound.sender.verified_phone == "+34600111222"


def test_someone_elses_contact_is_not_verified() -> None:
    inbound = one("contact_other")
    [contact] = inbound.attachments
    assert contact.phone == "+447700900123" and not contact.own_phone
    assert inbound.sender.verified_phone is None


def test_photo_takes_the_largest_size() -> None:
    inbound = one("photo")
    [image] = inbound.attachments
    assert image.kind == "image" and image.file_id == "large" and image.caption == "my receipt"
    assert inbound.text == "my receipt"


def test_document() -> None:
    [doc] = one("document").attachments
    assert (doc.kind, doc.file_id, doc.name, doc.mime_type) == (
        "file", "doc1", "invoice.pdf", "application/pdf")


def test_location() -> None:
    [place] = one("location").attachments
    assert (place.kind, place.latitude, place.longitude) == ("location", 40.4168, -3.7038)


@pytest.mark.parametrize("name", ["group", "unknown_kind"])
def test_ignored(name: str) -> None:
    assert parse_update(load(name), account="1") == []


def test_malformed_updates_never_raise() -> None:
    for update in load("malformed"):
        assert parse_update(update, account="1") == []

