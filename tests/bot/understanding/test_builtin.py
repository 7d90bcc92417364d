"""The built-in provider on the demo's flows: paraphrases in English and Spanish, slots
from one sentence, the language of the text, and nothing for what the bot does not do."""

from __future__ import annotations

import pytest

from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import (
    AnswerFromKnowledge,
    Cancel,
    HandOff,
    Passage,
    Request,
    SetSlots,
    StartFlow,
    SwitchLanguage,
    Understanding,
)
from bot.understanding.language import LanguageGuesser
from bot.understanding.specs import flow_specs
from flows.store_assistant import FLOWS

LOCALES = ("en", "es")
SPECS = flow_specs(FLOWS, LOCALES)
PROVIDER = BuiltinProvider(SPECS, LOCALES)


def understand(text: str, **fields: object) -> Understanding:
    request = Request(text=text, locale=None, locales=LOCALES, flows=SPECS, **fields)  # type: ignore[arg-type]
    return PROVIDER.understand_now(request)


@pytest.mark.parametrize(("text", "flow"), [
    ("wher is my ordr??", "order_status"),             # typos
    ("my order, where is it", "order_status"),          # word order
    ("DONDE ESTA MI PEDIDO", "order_status"),           # no accents, shouting
    ("¿Me podría decir dónde está mi pedido, por favor?", "order_status"),  # polite
    ("could you kindly show me what you sell", "catalogue"),
    ("me gustaría ver qué productos tenéis", "catalogue"),
    ("i want to send something back", "returns"),
    ("quisiera devolver una cosa, por favor", "returns"),
    ("good morning!", "menu"),
    ("buenas tardes", "menu"),
])
def test_paraphrases_start_their_flow(text: str, flow: str) -> None:
    result = understand(text)
    assert result.commands and isinstance(result.commands[0], StartFlow), result
    assert result.commands[0].flow == flow
    assert result.confidence >= 0.6


@pytest.mark.parametrize(("text", "command"), [
    ("I want to talk to a human", HandOff()),
    ("quiero hablar con una persona", HandOff()),
    ("could I speak with someone from your team please", HandOff()),
    ("forget it", Cancel()),
    ("olvídalo", Cancel()),
    ("can we talk in Spanish?", SwitchLanguage("es")),
    ("en inglés, por favor", SwitchLanguage("en")),
])
def test_the_framework_commands_in_both_languages(text: str, command: object) -> None:
    result = understand(text)
    assert result.commands == (command,) and result.confidence >= 0.6, result


def test_one_sentence_starts_a_return_with_the_order_and_the_item() -> None:
    result = understand("I'd like to return the jeans from order A1001")
    assert result.commands == (StartFlow("returns", {"order": "A1001", "item": "jeans"}),)
    spanish = understand("quisiera devolver los vaqueros del pedido a1001")
    assert spanish.commands == (StartFlow("returns", {"order": "a1001", "item": "jeans"}),)


def test_the_pending_question_answered_inside_a_sentence_sets_its_slot() -> None:
    result = understand("oh sure, it's a1002 I think", current_flow="order_status",
                        pending_slot="number")
    assert result.commands == (SetSlots({"number": "a1002"}),)


def test_what_the_bot_does_not_do_is_not_understood() -> None:
    for text in ("asdfghjk", "who won the match last night"):
        result = understand(text)
        assert not result.commands or result.confidence < 0.6, (text, result)


def test_a_knowledge_passage_that_fits_better_than_any_flow_answers() -> None:
    passage = Passage(id="shipping", title="Shipping times", answer="2-3 days", locale="en",
                      score=0.92)
    result = understand("how long does shipping take", passages=(passage,))
    assert result.commands == (AnswerFromKnowledge("shipping"),)
    assert result.confidence == pytest.approx(0.92)


@pytest.mark.parametrize(("text", "locale"), [
    ("¿dónde está mi pedido?", "es"), ("donde esta mi pedido", "es"),
    ("quiero hablar con una persona", "es"), ("where is my order", "en"),
    ("I want to talk to a human", "en"), ("A1001", None), ("no", None), ("ok", None),
])
def test_the_language_of_what_they_write(text: str, locale: str | None) -> None:
    assert understand(text).locale == locale


def test_only_configured_locales_are_recognised() -> None:
    assert LanguageGuesser(["en"]).guess("¿dónde está mi pedido?") is None
    assert LanguageGuesser(["en", "pt"]).guess("¿dónde está mi pedido?") != "es"
