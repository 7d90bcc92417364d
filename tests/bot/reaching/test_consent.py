"""The consent ledger over real HTTP: a flow's opt-in is recorded with its words and a
history event; "STOP", "BAJA", "darme de baja"... typed on any channel, in any case and
with or without accents, stop marketing on every linked channel at once with one
confirmation and no question; an SMS carrier's STOP does the same without a word from us.
"""

from __future__ import annotations

import pytest

from bot.config.reaching import ConsentSettings
from bot.consent.ledger import MARKETING, allowed, decision
from bot.consent.opt_out import OptOutWords, normalised
from tests.bot.reaching.conftest import Customer
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import FakeTwilio

pytestmark = pytest.mark.timeout(60)


def test_opt_out_words_in_any_language_case_and_accents() -> None:
    words = OptOutWords(ConsentSettings().opt_out_words)
    for said in ("STOP", "stop", " Stop! ", "BAJA", "baja.", "Darme de BAJA", "/stop",
                 "unsubscribe", "Cancelar suscripción", "¡darme de baja!"):
        assert words.matches(said), said
    for said in ("stop sending me the wrong size", "bajar", "yes", "", None, "s" * 100):
        assert not words.matches(said), said
    assert normalised("¡Darme de  BAJA!") == "darme de baja"


async def test_a_flow_opt_in_is_recorded_with_its_words_and_an_event(
        customer: Customer) -> None:
    await customer.on_whatsapp("/optin")
    consent = (await customer.profile()).consents["marketing@whatsapp"]
    assert consent.granted and consent.scope == "whatsapp" and consent.source == "flow:optin"
    assert consent.text == "Offers here? Reply STOP to leave."
    [event] = [e for e in await customer.history() if e.kind == "consent"]
    assert event.data["purpose"] == "marketing" and event.data["scope"] == "whatsapp"
    assert event.data["granted"] is True and event.data["text"] == consent.text


async def test_stop_typed_on_one_channel_stops_marketing_on_every_linked_channel(
        customer: Customer, graph: FakeGraphAPI, twilio: FakeTwilio) -> None:
    await customer.on_whatsapp("/optin")
    await customer.link_sms()
    await customer.phone.says("/optin")
    ledger = (await customer.profile()).consents
    assert allowed(ledger, MARKETING, "whatsapp", default=False)
    assert allowed(ledger, MARKETING, "sms", default=False)
    await customer.on_whatsapp("/report")  # a flow waiting on a question...
    sent_before = len(graph.whatsapp_sent)
    await customer.on_whatsapp("¡Darme de BAJA!")
    [confirmation] = graph.whatsapp_sent[sent_before:]  # one message, no question
    assert confirmation.json["type"] == "text"
    assert "won't get any more offers" in confirmation.json["text"]["body"]
    ledger = (await customer.profile()).consents
    for channel in ("whatsapp", "sms", "webchat"):
        assert not allowed(ledger, MARKETING, channel, default=False), channel
    stop = decision(ledger, MARKETING, "sms")
    assert stop is not None and stop.source == "keyword" and stop.keyword == "¡Darme de BAJA!"
    history = await customer.history()
    said = max(i for i, e in enumerate(history) if e.kind == "inbound")
    assert [e.kind for e in history[said:]] == ["inbound", "consent", "outbound"]
    assert history[said + 1].data["scope"] == "all"
    session, _ = await customer.runtime.store.load(await customer.id())
    assert session.frame is not None and session.frame.flow == "report"  # still waiting


async def test_a_carrier_stop_on_sms_stops_whatsapp_too_without_an_answer(
        customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/optin")
    await customer.link_sms()
    sent_before = len(graph.whatsapp_sent)
    assert await customer.phone.says("STOP") == []  # the carrier confirms it, not us
    assert len(graph.whatsapp_sent) == sent_before
    ledger = (await customer.profile()).consents
    assert not allowed(ledger, MARKETING, "whatsapp", default=False)
    stop = decision(ledger, MARKETING, "whatsapp")
    assert stop is not None and stop.source == "carrier" and stop.channel == "sms"
    events = [e for e in await customer.history() if e.kind == "consent"]
    assert [e.data["granted"] for e in events] == [True, False]
    assert events[-1].data["keyword"] == "STOP" and "message_id" in events[-1].data
