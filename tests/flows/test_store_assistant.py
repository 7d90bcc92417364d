"""The shipped demo flows, through the FlowTester (no network, no store)."""

from __future__ import annotations

import time

import pytest

from bot.channels import Capabilities
from bot.testing import FlowTester

DEMO = "flows.store_assistant"
TEXT_ONLY = Capabilities(max_text_length=4096, max_buttons=0)


async def test_the_menu_greets_and_offers_everything() -> None:
    async with FlowTester(DEMO) as chat:
        replies = await chat.send("hi")
        assert "Store assistant" in replies.text
        assert replies.choices == ["Browse the catalogue", "Where is my order?",
                                   "Start a return", "Offers by message", "Talk to a person",
                                   "Continue on another channel", "Español"]


async def test_a_whole_return_with_a_sub_flow_for_the_email() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("hi")
        assert "order number" in (await chat.press("Start a return")).text
        assert (await chat.send(" a1001 ")).choices == ["Organic cotton T-shirt", "Slim jeans"]
        await chat.press("Slim jeans")
        await chat.press("Other reason")
        assert (await chat.send("The zip broke")).choices[0] == "To my original payment"
        assert "email" in (await chat.press("credit")).text
        assert chat.flow == "contact_email"
        wrong = await chat.send("ana at example")
        assert "doesn't look like an email" in wrong.text and chat.flow == "contact_email"
        summary = await chat.send("Ana@Example.com")
        assert "Return Slim jeans from order A1001" in summary.text
        done = await chat.press("Yes, register it")
        assert "Your return reference is R-A1001-" in done.text
        assert chat.flow is None
        assert chat.slots["order"] == "A1001" and chat.slots["details"] == "The zip broke"
        assert chat.slots["contact_email"] == "ana@example.com"
        assert chat.profile.email == "ana@example.com"


async def test_an_invalid_order_number_is_asked_again_with_help() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("/order")
        replies = await chat.send("12345")
        assert "an A followed by four digits" in replies.text
        assert chat.session.frame is not None and chat.session.frame.question is not None
        assert chat.session.frame.question.attempts == 1
        await chat.send("nope")
        stuck = await chat.send("still no")
        assert "Having trouble?" in stuck.text
        found = await chat.send("A1002")
        assert "on its way with Correos" in found.text


async def test_an_unknown_order_is_looked_up_and_asked_again() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("/order")
        replies = await chat.send("A9999")
        assert "can't find order A9999" in replies.text
        assert chat.flow == "order_status"


async def test_the_confirmation_schedules_a_reminder_for_the_next_day() -> None:
    from bot.messages import Inbound

    async with FlowTester(DEMO) as chat:
        await chat.send("/return")
        await chat.send("A1001")
        await chat.press("Slim jeans")
        await chat.press("damaged")
        await chat.press("credit")
        asking_email = chat.last.text
        assert "email" in asking_email
        result = await chat.engine.handle(  # the turn that reaches the confirmation
            customer_id="tester", session=chat.session, profile=chat.profile,
            inbound=Inbound(identity=chat.identity, message_id="last", text="a@b.es"))
        [reminder] = result.reminders
        assert reminder.flow == "returns" and reminder.text_key == "returns.reminder"
        assert reminder.values == {"number": "A1001"}
        assert 22.9 * 3600 < reminder.due - time.time() <= 23 * 3600


async def test_an_old_order_cannot_be_returned() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("/return")
        replies = await chat.send("A1004")
        assert "can't be returned" in replies.text
        assert "delivered on" in replies.text and "30 days after delivery" in replies.text
        assert chat.flow is None


@pytest.mark.parametrize(("order", "locale", "said"), [
    ("A1002", "en", "it hasn't been delivered"),
    ("A1003", "en", "it hasn't been delivered"),
    ("A1003", "es", "todavía no se ha entregado"),
])
async def test_an_order_not_yet_delivered_is_refused_for_that_reason(
    order: str, locale: str, said: str
) -> None:
    """Not delivered yet is not "past 30 days": the refusal says which it is."""
    async with FlowTester(DEMO, locale=locale) as chat:
        await chat.send("/return")
        replies = await chat.send(order)
        assert said in replies.text
        assert "delivered on" not in replies.text and "se entregó el" not in replies.text
        assert chat.flow is None


async def test_numbered_answers_work_on_a_text_only_channel() -> None:
    async with FlowTester(DEMO, capabilities=TEXT_ONLY) as chat:
        menu = await chat.send("hello")
        assert "3. Start a return" in menu.text
        await chat.send("3")
        assert chat.flow == "returns"
        items = await chat.send("A1001")
        assert "2. Slim jeans" in items.text
        await chat.send("2")
        assert chat.slots["item"] == "jeans"
        bad = await chat.send("9")
        assert "choose one of the options" in bad.text


async def test_catalogue_prices_follow_the_customer_language() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("/catalogue")
        await chat.press("product:hoodie")
        assert "Recycled fleece hoodie: €49.50" in chat.last.text
    async with FlowTester(DEMO, locale="es-ES") as chat:
        await chat.send("/catalogue")
        await chat.press("product:hoodie")
        assert "Sudadera de forro reciclado: 49,50 €" in chat.last.text


async def test_switching_language_asks_the_pending_question_again_in_it() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("/return")
        replies = await chat.send("español")
        assert "español" in replies.text
        assert "¿Cuál es el número de pedido?" in replies.text
        assert chat.profile.locale == "es"


async def test_offers_need_explicit_consent_recorded_with_the_words_agreed_to() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("/offers")
        asked = chat.last.text
        await chat.press("Yes, please")
        consent = chat.profile.consents["marketing@test"]  # this channel, as asked
        assert consent.granted and consent.channel == "test" and consent.scope == "test"
        assert consent.source == "flow:offers" and consent.text and consent.text in asked
        # Leaving by the menu (STOP needs no flow: tests/bot/test_consent_stage.py).
        assert "stop receiving" in (await chat.send("/offers")).text
        await chat.press("Yes, unsubscribe me")
        assert not chat.profile.consents["marketing"].granted  # everywhere


async def test_cancel_and_help_work_inside_any_flow() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("/return")
        help_text = await chat.send("help")
        assert "type 'cancel'" in help_text.text and "order number" in help_text.text
        cancelled = await chat.send("cancelar")
        assert "cancelled" in cancelled.text
        # What the customer can do next: the main menu, not silence.
        assert chat.flow == "menu" and "What can I do for you?" in cancelled.text
        nothing = await chat.send("cancel")
        assert "nothing in progress" in nothing.text and chat.flow == "menu"


async def test_asking_for_a_person_is_recorded() -> None:
    async with FlowTester(DEMO) as chat:
        await chat.send("hi")
        replies = await chat.press("Talk to a person")
        assert "talk to a person" in replies.text
        assert any(e.kind == "handoff" for e in chat.events)
        await chat.send("/return")
        await chat.send("human")
        assert sum(e.kind == "handoff" for e in chat.events) == 2
