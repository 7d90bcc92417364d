"""One phone normalisation (bot.phones) for typed answers and platform-shared contacts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.phones import to_e164
from connectors.telegram.updates import parse_update

DATA = Path(__file__).parents[1] / "data" / "telegram"


@pytest.mark.parametrize("written", ["+34 600 111 222", "0034 600-111-222", "34600111222",
                                     "+34 (600) 111.222"])
def test_every_way_of_writing_a_number_gives_one_e164(written: str) -> None:
    assert to_e164(written) == "+34600111222"


@pytest.mark.parametrize("written", ["12", "600 11", "+0 600 111 222", "call me", ""])
def test_what_cannot_be_e164_is_refused(written: str) -> None:
    assert to_e164(written) is None


def test_a_telegram_contact_and_a_typed_number_compare_equal() -> None:
    update = json.loads((DATA / "contact_own.json").read_text())
    [inbound] = parse_update(update, account="1")
    assert inbound.sender.verified_phone == to_e164("+34 600 111 222") == "+34600111222"


def test_a_telegram_contact_with_a_number_too_short_is_a_malformed_update() -> None:
    update = json.loads((DATA / "contact_own.json").read_text())
    update["message"]["contact"]["phone_number"] = "12"
    assert parse_update(update, account="1") == []
