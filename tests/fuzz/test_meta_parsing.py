"""Fuzzing the Meta parsers, called directly: WhatsApp messages and statuses
(``connectors/meta/whatsapp_parse.py``) and Messenger deliveries (``MessengerConnector.parse``).

Their contract: a list of what was understood, ``[]`` for the rest; they never raise (the
webhook would acknowledge the whole delivery as unreadable, losing its good messages),
and a malformed message never hides a good one delivered beside it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.channels import DeliveryStatus
from bot.messages import Inbound
from connectors.meta.messenger import MessengerConnector, MessengerSettings
from connectors.meta.whatsapp_parse import parse_messages, parse_statuses
from tests.fuzz.strategies import (
    HUGE_INT,
    field_names,
    mutated,
    objects,
    sample,
    samples,
    trees,
    wrong_everywhere,
)

WA_SAMPLES = samples("whatsapp")
MS_SAMPLES = samples("messenger")
WA_KEYS = field_names("whatsapp")
MS_KEYS = field_names("messenger")
MESSENGER = MessengerConnector(settings=MessengerSettings(
    page_token="t", app_secret="s", verify_token="v"))  # type: ignore[arg-type]


def expect_whatsapp(update: dict[str, Any]) -> tuple[list[Inbound], list[DeliveryStatus]]:
    inbounds = parse_messages(update, "PNID")
    statuses = parse_statuses(update, "PNID")
    assert all(isinstance(i, Inbound) and i.identity.account == "PNID" for i in inbounds)
    assert all(i.text or i.payload or i.attachments for i in inbounds)
    assert all(isinstance(s, DeliveryStatus) for s in statuses)
    return inbounds, statuses


def expect_messenger(update: dict[str, Any]) -> list[Inbound]:
    inbounds = MESSENGER.parse(update)
    assert all(isinstance(i, Inbound) and i.identity.channel == "messenger" for i in inbounds)
    assert all(i.text or i.payload or i.attachments for i in inbounds)
    return inbounds


def _wa_location(latitude: Any) -> dict[str, Any]:
    update = sample("whatsapp", "location")
    update["entry"][0]["changes"][0]["value"]["messages"][0]["location"]["latitude"] = latitude
    return update


def _ms_location(latitude: Any) -> dict[str, Any]:
    update = sample("messenger", "text")
    message = update["entry"][0]["messaging"][0]["message"]
    message["attachments"] = [{"type": "location",
                               "payload": {"coordinates": {"lat": latitude, "long": 1.0}}}]
    return update


@given(st.one_of(objects(WA_KEYS), mutated(WA_SAMPLES, WA_KEYS)))
# Found: float(10**400) raised OverflowError out of parse_messages and parse_statuses.
@example(_wa_location(HUGE_INT))
def test_any_whatsapp_delivery_is_parsed_or_ignored(update: dict[str, Any]) -> None:
    expect_whatsapp(update)


@given(st.one_of(objects(MS_KEYS), mutated(MS_SAMPLES, MS_KEYS)))
# Found: a location whose coordinates are not numbers raised ValidationError out of parse.
@example(_ms_location("north"))
@example(_ms_location(HUGE_INT))
def test_any_messenger_delivery_is_parsed_or_ignored(update: dict[str, Any]) -> None:
    expect_messenger(update)


@given(trees(WA_KEYS))
def test_a_malformed_whatsapp_message_never_hides_the_good_one_beside_it(bad: Any) -> None:
    update = sample("whatsapp", "text")
    value = update["entry"][0]["changes"][0]["value"]
    value["messages"].insert(0, bad)
    assert "¡Hola!" in (expect_whatsapp(update)[0][-1].text or "")


@given(trees(MS_KEYS))
@example({"sender": {"id": "1"}, "message": {"mid": "m", "attachments": [
    {"type": "location", "payload": {"coordinates": {"lat": "north"}}}]}})
def test_a_malformed_messenger_event_never_hides_the_good_one_beside_it(bad: Any) -> None:
    update = sample("messenger", "text")
    update["entry"][0]["messaging"].insert(0, bad)
    assert "Canarias" in (expect_messenger(update)[-1].text or "")


@pytest.mark.parametrize("index", range(len(WA_SAMPLES)))
def test_every_whatsapp_field_given_every_wrong_value(index: int) -> None:
    for label, update in wrong_everywhere(WA_SAMPLES[index]):
        try:
            expect_whatsapp(update)
        except BaseException as exc:
            raise AssertionError(f"example {index} with {label}: {exc!r}") from exc


@pytest.mark.parametrize("index", range(len(MS_SAMPLES)))
def test_every_messenger_field_given_every_wrong_value(index: int) -> None:
    for label, update in wrong_everywhere(MS_SAMPLES[index]):
        try:
            expect_messenger(update)
        except BaseException as exc:
            raise AssertionError(f"example {index} with {label}: {exc!r}") from exc
