"""The understanding as the engine consults it: only for what nothing else handled, its
commands validated and applied by the core, the language followed, the pending question
asked again after a knowledge answer, "not sure" below the threshold, and a note of
what was understood in the history."""

from __future__ import annotations

from collections.abc import Sequence

from bot.testing import FlowTester, ScriptedProvider
from bot.understanding.contract import (
    AnswerFromKnowledge,
    HandOff,
    Passage,
    Request,
    SetSlots,
    StartFlow,
    SwitchLanguage,
    Understanding,
)
from flows.store_assistant import FLOWS


class Shelf:
    """A knowledge base of literal passages (the protocol the stage reads)."""

    def __init__(self, *passages: Passage) -> None:
        self.passages = {p.id: p for p in passages}

    def search(self, text: str, locale: str | None, *, limit: int = 3) -> Sequence[Passage]:
        return [p for p in self.passages.values() if p.title.split()[0].lower() in
                text.lower()][:limit]

    def get(self, passage_id: str) -> Passage | None:
        return self.passages.get(passage_id)


SHIPPING = Passage(id="shipping", title="Shipping times", answer="Orders arrive in 2-3 days.",
                   locale="en", score=0.9)


def sure(*commands: object, confidence: float = 0.9) -> Understanding:
    return Understanding(tuple(commands), confidence, None, "scripted")  # type: ignore[arg-type]


async def test_triggers_and_valid_answers_never_ask_the_provider() -> None:
    provider = ScriptedProvider()
    async with FlowTester(FLOWS, provider=provider) as chat:
        await chat.send("/order")         # a command
        await chat.send("A1002")          # a valid answer
        await chat.send("menu")           # a keyword
        await chat.press("Start a return")  # a button
        assert provider.requests == []
        await chat.send("it's the one from last week")  # not an order number
        [asked] = provider.requests
        assert (asked.current_flow, asked.pending_slot) == ("returns", "order")
        assert asked.text == "it's the one from last week"


async def test_a_start_flow_with_a_slot_that_does_not_validate_asks_for_it() -> None:
    provider = ScriptedProvider({"check B12": sure(StartFlow("order_status", {"number": "B12"})),
                                 "check a1002": sure(StartFlow("order_status",
                                                               {"number": "a1002"}))})
    async with FlowTester(FLOWS, provider=provider) as chat:
        replies = await chat.send("check B12")
        assert chat.flow == "order_status" and "What's your order number?" in replies.text
        replies = await chat.send("check a1002")
        assert "Order A1002 is on its way with Correos" in replies.text, "validated: upper"


async def test_unknown_flows_internal_flows_and_unconfigured_locales_are_ignored() -> None:
    provider = ScriptedProvider({
        "a": sure(StartFlow("no_such_flow")), "b": sure(StartFlow("_resume")),
        "c": sure(SwitchLanguage("fr"))})
    async with FlowTester(FLOWS, provider=provider) as chat:
        for text in ("a", "b", "c"):
            await chat.send(text)
            assert chat.flow == "menu", text  # the default flow, as for any text
        assert chat.profile.locale == "en"


async def test_a_sentence_fills_slots_and_only_the_rest_is_asked() -> None:
    async with FlowTester(FLOWS, provider="builtin") as chat:
        await chat.send("hello")
        replies = await chat.send("I'd like to return the jeans from order A1001")
        assert replies.text == "Why are you returning it?"
        assert chat.slots == {"order": "A1001", "item": "jeans"}


async def test_an_answer_inside_a_sentence_answers_the_question() -> None:
    provider = ScriptedProvider({"uh, A1002 I think": sure(SetSlots({"number": "A1002"}))})
    async with FlowTester(FLOWS, provider=provider) as chat:
        await chat.send("/order")
        replies = await chat.send("uh, A1002 I think")
        assert "Order A1002 is on its way" in replies.text


async def test_a_knowledge_answer_mid_flow_then_the_question_again() -> None:
    provider = ScriptedProvider({"shipping, how long?": sure(AnswerFromKnowledge("shipping"))})
    async with FlowTester(FLOWS, provider=provider, knowledge=Shelf(SHIPPING)) as chat:
        await chat.send("/order")
        replies = await chat.send("shipping, how long?")
        assert replies.text.splitlines() == [
            "Orders arrive in 2-3 days.", "", "— from: Shipping times",
            "What's your order number? It looks like A1234."]
        assert chat.flow == "order_status"
        asked: Request = provider.requests[0]
        assert [p.id for p in asked.passages] == ["shipping"], "the retrieved passages"


async def test_below_the_threshold_the_bot_is_not_sure_and_offers_a_person() -> None:
    provider = ScriptedProvider({"hmm": sure(HandOff(), confidence=0.4)})
    async with FlowTester(FLOWS, provider=provider, locale="es") as chat:
        replies = await chat.send("hmm")
        assert replies.text.startswith("No estoy seguro de haberte entendido.")
        assert "'humano' para hablar con una persona" in replies.text
        assert chat.handoff is None and chat.flow == "menu"
        [note] = [e for e in chat.events if e.kind == "understood"]
        assert note.data["applied"] is False and note.data["confidence"] == 0.4


async def test_a_human_asked_for_in_words_is_handed_off_and_noted() -> None:
    async with FlowTester(FLOWS, provider="builtin") as chat:
        await chat.send("hi")
        await chat.send("quiero hablar con una persona")
        assert chat.handoff == "customer asked for a person"
        note = [e for e in chat.events if e.kind == "understood"][-1]
        assert note.data["intent"] == "human" and note.data["provider"] == "builtin"
        assert note.data["confidence"] >= 0.6 and note.data["locale"] == "es"
        assert note.text is not None and note.text.startswith("human · ")


async def test_the_language_they_write_in_is_followed_unless_they_chose_one() -> None:
    async with FlowTester(FLOWS, provider="builtin") as chat:  # no locale reported
        replies = await chat.send("¿dónde está mi pedido?")
        assert replies.text == "¿Cuál es tu número de pedido? Es como A1234."
        await chat.send("A1002")
        replies = await chat.send("I want to talk to a human")
        assert chat.profile.locale == "en", "a change mid-conversation is followed"
    async with FlowTester(FLOWS, provider="builtin") as chat:
        await chat.send("hi")
        await chat.press("Español")  # an explicit choice
        assert chat.profile.locale == "es" and chat.profile.locale_chosen
        replies = await chat.send("where is my order")
        assert replies.text == "¿Cuál es tu número de pedido? Es como A1234.", "choice wins"


async def test_a_question_answered_in_another_language_is_asked_again_in_it() -> None:
    async with FlowTester(FLOWS, provider="builtin") as chat:
        await chat.send("/order")
        replies = await chat.send("uy, no sé cuál es, lo siento")
        assert replies.text == "¿Cuál es tu número de pedido? Es como A1234."
        assert chat.profile.locale == "es" and chat.flow == "order_status"
        assert "Order A1002" not in (await chat.send("A1002")).text
        assert "El pedido A1002 está en camino" in chat.last.text


async def test_a_provider_that_fails_leaves_the_turn_as_if_nothing_was_understood() -> None:
    class Broken:
        name = "broken"

        async def understand(self, request: Request) -> Understanding:
            raise TimeoutError

    async with FlowTester(FLOWS, provider=Broken()) as chat:
        await chat.send("/order")
        replies = await chat.send("whatever")
        assert replies.text.startswith("Order numbers are an A followed by four digits")
