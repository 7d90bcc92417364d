"""A knowledge answer is the same plain text with its source title on every channel."""

from __future__ import annotations

from bot.channels.capabilities import Capabilities
from bot.channels.render import render
from bot.knowledge import KnowledgeBase, answer_message
from bot.messages import Text


def test_the_answer_names_its_source_in_the_customers_language(demo: KnowledgeBase) -> None:
    english = demo.search("how long does shipping take", "en")[0]
    message = answer_message(english, "en")
    assert message.text.startswith("We prepare orders within one working day")
    assert message.text.endswith("\n\n— from: Shipping times")
    spanish = demo.search("¿cuánto tarda el envío?", "es")[0]
    assert answer_message(spanish, "es").text.endswith("\n\n— fuente: Plazos de envío")
    generated = answer_message(spanish, "es", text="Llega en 2-3 días.")
    assert generated.text == "Llega en 2-3 días.\n\n— fuente: Plazos de envío"
    # a stored answer's label is in the answer's language, whoever asked
    assert answer_message(spanish, "en").text.endswith("— fuente: Plazos de envío")


def test_a_generated_answer_cites_every_passage_it_used(demo: KnowledgeBase) -> None:
    times, costs = (demo.get("en/shipping-times"), demo.get("en/shipping-costs"))
    assert times is not None and costs is not None
    message = answer_message(times, "en", text="2-3 days; free over €50.",
                             cites=[costs, times])
    assert message.text == "2-3 days; free over €50.\n\n— from: Shipping times; Shipping costs"


def test_every_channel_shows_the_same_words(demo: KnowledgeBase) -> None:
    message = answer_message(demo.search("what sizes do you have", "en")[0], "en")
    assert "**" not in message.text and "#" not in message.text
    roomy = render(message, Capabilities(max_text_length=4096))
    short = render(message, Capabilities(max_text_length=160))
    assert roomy == [message]
    assert len(short) > 1 and all(isinstance(part, Text) for part in short)
    joined = " ".join(part.text for part in short if isinstance(part, Text))
    assert joined.split() == message.text.split()


async def test_the_demo_answers_from_its_knowledge_in_the_language_asked(
        demo: KnowledgeBase) -> None:
    from bot.testing import FlowTester

    async with FlowTester("flows.store_assistant", provider="builtin",
                          knowledge=demo) as chat:
        replies = await chat.send("¿cuánto tarda el envío?")
        assert "Península: 2-3 días laborables." in replies.text
        assert "— fuente: Plazos de envío" in replies.text
        replies = await chat.send("how long does shipping take?")
        assert "— from: Shipping times" in replies.text


async def test_after_a_knowledge_answer_the_menu_is_offered_again_without_a_second_hello(
        demo: KnowledgeBase) -> None:
    from bot.testing import FlowTester

    async with FlowTester("flows.store_assistant", provider="builtin",
                          knowledge=demo) as chat:
        assert "What can I do for you?" in (await chat.send("hi")).text
        replies = await chat.send("how long does shipping take?")
        assert "— from: Shipping times" in replies.text
        assert "Anything else?" in replies.text, "the menu's shorter line"
        assert "Hi!" not in replies.text, "not the greeting a second time"
        assert "Browse the catalogue" in replies.choices
