"""FlowTester (bot/testing.py) and the framework's own words, apart from any bot's flows."""

from __future__ import annotations

import re

import pytest

from bot.channels import Capabilities
from bot.dialogue.texts import ENGINE_TEXTS
from bot.testing import FlowTester

TEST_FLOWS = "tests.flows_for_tests"
TEXT_ONLY = Capabilities(max_text_length=4096, max_buttons=0)


def test_a_tester_without_flows_fails_clearly() -> None:
    """The framework has no flows of its own: naming none is an error, never the demo."""
    with pytest.raises(TypeError, match="flows"):
        FlowTester()  # type: ignore[call-arg]


async def test_the_default_flow_is_the_first_one_unless_named() -> None:
    async with FlowTester(TEST_FLOWS) as chat:
        greeting = await chat.send("hi")
        assert greeting.text == "Hello! Test desk here. What do you need?"
        assert chat.flow == "menu"
    async with FlowTester(TEST_FLOWS, default_flow="shelf") as chat:
        assert (await chat.send("hi")).text == "On the shelf today. Pick one:"


async def test_press_share_and_state() -> None:
    async with FlowTester(TEST_FLOWS) as chat:
        await chat.send("/report")
        await chat.send(" t100")  # normalised by the slot's type
        assert (await chat.press("Power cable")).text == "What is wrong with it?"
        assert chat.slots == {"ticket": "T100", "part": "cable"}
        with pytest.raises(AssertionError, match="no choice 'Nope'"):
            await chat.press("Nope")
        await chat.share_contact("+34600111222")
        assert [e.kind for e in chat.events].count("inbound") == 4


async def test_numbered_lists_on_text_only_channels() -> None:
    async with FlowTester(TEST_FLOWS, capabilities=TEXT_ONLY) as chat:
        menu = await chat.send("hi")
        assert menu.choices == []
        assert "\n3. Report a fault\n" in menu.text
        await chat.send("3")
        assert chat.flow == "report"


def test_the_framework_words_name_nothing_of_any_bot() -> None:
    """Default texts must fit every bot: no flow, command or data of the demo in them."""
    demo = re.compile(r"\b(menu|menú|orders?|pedidos?|returns?|catalogue|catálogo|store)\b",
                      re.IGNORECASE)
    found = {f"{locale}:{key}": text for locale, entries in ENGINE_TEXTS.catalog.items()
             for key, text in entries.items() if demo.search(text)}
    assert found == {}
