"""The console's "Consent and follow-ups" panel data, over real HTTP: the consent ledger,
every consent change from the history, and the customer's pending reminders."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from tests.bot.operator.console import whatsapp_customer


async def test_the_conversation_shows_consents_their_history_and_reminders(
        runtime: Runtime, consoles: Any) -> None:
    customer = await whatsapp_customer(runtime, "hello")
    await whatsapp_customer(runtime, "STOP")  # the same sender: opted out everywhere
    console = consoles()
    await console.login("sam")  # a supervisor sees every conversation
    status, conversation = await console.get(f"/conversations/{customer}")
    assert status == 200
    reaching = conversation["reaching"]
    [decision] = reaching["consents"]
    assert decision["purpose"] == "marketing" and decision["scope"] == "all"
    assert decision["granted"] is False and decision["source"] == "keyword"
    [change] = reaching["consent_history"]
    assert change["text"] == "consent withdrawn (marketing, every channel) by STOP"
    assert reaching["reminders"] == [] and reaching["first_touch"] is None
