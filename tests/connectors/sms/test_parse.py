"""Twilio's webhook fields → messages, statuses and consent changes (pure), and a fuzz of
the parsers: whatever the fields, they return a message, a status or None, never raise."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sms.parse import Addressing, consent_change, parse_message, parse_status
from connectors.sms.settings import SmsSettings
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, NUMBER, FakeTwilio

CUSTOMER = "+34600111222"
SERVICE = "MG" + "3" * 32


def addressing(**overrides: Any) -> Addressing:
    fields = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": NUMBER,
              **overrides}
    return Addressing.of("sms", SmsSettings.model_validate(fields))


def fields(**overrides: str) -> dict[str, str]:
    return FakeTwilio().incoming_params(sender=CUSTOMER, body="Hola", **overrides)


def test_a_text_is_a_message_from_a_vouched_number() -> None:
    params = fields()
    inbound = parse_message(params, addressing())
    assert inbound is not None
    assert inbound.identity.key == f"sms:{NUMBER}:{CUSTOMER}"
    assert inbound.message_id == params["MessageSid"] and inbound.text == "Hola"
    assert inbound.sender.verified_phone == CUSTOMER
    assert inbound.consent is None and inbound.attachments == ()


def test_media_become_attachments() -> None:
    params = FakeTwilio().incoming_params(sender=CUSTOMER, body="", media=(
        ("https://api.twilio.com/m/ME1", "image/jpeg"), ("https://api.twilio.com/m/ME2",
                                                         "application/pdf")))
    inbound = parse_message(params, addressing())
    assert inbound is not None and inbound.text is None
    assert [(a.kind, a.mime_type) for a in inbound.attachments] == [
        ("image", "image/jpeg"), ("file", "application/pdf")]


@pytest.mark.parametrize("change", [
    {"From": "whatsapp:+34600111222"},  # another channel on the same webhook
    {"From": "600111222"},
    {"MessageSid": ""},
    {"MessageSid": "CA" + "0" * 32},  # a call, not a message
    {"To": "+15559999999"},  # another of the account's numbers
    {"AccountSid": "AC" + "9" * 32},
    {"Body": "   "},
])
def test_what_is_not_a_message_for_us_is_skipped(change: dict[str, str]) -> None:
    assert parse_message({**fields(), **change}, addressing()) is None


def test_a_messaging_service_names_the_identities() -> None:
    service = addressing(phone_number=None, messaging_service_sid=SERVICE)
    params = {**fields(), "To": "+15557770000", "MessagingServiceSid": SERVICE}
    inbound = parse_message(params, service)
    assert inbound is not None and inbound.identity.account == SERVICE
    assert parse_message({**params, "MessagingServiceSid": "MG" + "4" * 32}, service) is None


@pytest.mark.parametrize(("body", "granted"), [
    ("STOP", False), (" stop ", False), ("Unsubscribe", False), ("END", False),
    ("QUIT", False), ("STOPALL", False), ("cancel", False),
    ("START", True), ("unstop", True),
    ("YES", None),  # an answer as often as an opt-in: never signs anyone up
    ("HELP", None), ("stop please", None), ("Don't stop", None),
])
def test_carrier_keywords_are_whole_messages(body: str, granted: bool | None) -> None:
    change = consent_change(body, None, addressing())
    assert (change.granted if change else None) == granted
    if change is not None:
        assert change.purposes == ("marketing",) and change.keyword == body.strip().upper()


def test_twilio_opt_out_type_counts_for_stop_only() -> None:
    # Advanced Opt-Out: Twilio names its own (localised, custom) keywords.
    withdrawn = consent_change("BAJA", "STOP", addressing())
    assert withdrawn is not None and not withdrawn.granted
    assert consent_change("YES", "START", addressing()) is None
    assert consent_change("INFO", "HELP", addressing()) is None


def test_keywords_and_consents_come_from_the_settings() -> None:
    custom = addressing(opt_out_keywords=["baja"], opt_in_keywords=["alta"],
                        keyword_consents=["marketing", "offers"])
    change = consent_change("Baja", None, custom)
    assert change is not None and change.purposes == ("marketing", "offers")
    assert consent_change("STOP", None, custom) is None
    assert consent_change("STOP", None, addressing(keyword_consents=[])) is None
    inbound = parse_message(fields(Body="ALTA"), custom)
    assert inbound is not None and inbound.consent is not None and inbound.consent.granted


def test_statuses_of_our_messages() -> None:
    base = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": CUSTOMER,
            "From": NUMBER, "AccountSid": ACCOUNT_SID}
    status = parse_status(base, addressing())
    assert status is not None
    assert (status.status, status.identity.user_id, status.error) == (
        "delivered", CUSTOMER, None)
    failed = parse_status({**base, "MessageStatus": "undelivered", "ErrorCode": "30003"},
                          addressing())
    assert failed is not None and failed.error == "30003"
    assert parse_status({**base, "From": "+15559999999"}, addressing()) is None
    assert parse_status({**base, "MessageStatus": "<x>"}, addressing()) is None


_FIELD_NAMES = st.sampled_from(["MessageSid", "From", "To", "Body", "AccountSid", "NumMedia",
                                "MediaUrl0", "MediaContentType0", "OptOutType",
                                "MessagingServiceSid", "MessageStatus", "ErrorCode", "x"])


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(_FIELD_NAMES, st.text(max_size=40)),
       st.booleans())
def test_fuzz_the_parsers_never_raise(junk: dict[str, str], based: bool) -> None:
    params = {**fields(), **junk} if based else junk
    inbound = parse_message(params, addressing())
    if inbound is not None:
        assert inbound.identity.user_id == params["From"]
        assert inbound.message_id == params["MessageSid"]
    parse_status(params, addressing())
