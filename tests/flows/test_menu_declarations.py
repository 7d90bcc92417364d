"""A new flow reaches the demo's main menu by declaring ``menu=``, without editing
flows/store_assistant/menu.py."""

from __future__ import annotations

from bot.channels import Capabilities
from bot.dialogue import End, Flow, StepResult, Turn
from bot.dialogue.loading import load_flows
from bot.testing import FlowTester

gift = Flow("gift_cards", menu={"en": "Gift cards", "es": "Tarjetas regalo"})


@gift.step
async def explain(turn: Turn) -> StepResult:
    turn.say("Gift cards come in 20, 50 and 100.")
    return End()


DEMO = load_flows(["flows.store_assistant"])


async def test_a_flow_declared_for_the_menu_is_offered_after_the_demos_own() -> None:
    async with FlowTester([*DEMO, gift]) as chat:
        menu = await chat.send("hi")
        assert menu.choices == ["Browse the catalogue", "Where is my order?", "Start a return",
                                "Offers by message", "Talk to a person", "Gift cards",
                                "Continue on another channel", "Español"]
        assert "come in 20, 50" in (await chat.press("Gift cards")).text


async def test_its_title_follows_the_locale_and_a_typed_number_starts_it() -> None:
    async with FlowTester([*DEMO, gift], locale="es",
                          capabilities=Capabilities(max_buttons=0)) as chat:
        menu = await chat.send("hola")
        assert "6. Tarjetas regalo" in menu.text
        assert "come in 20, 50" in (await chat.send("6")).text


async def test_the_demo_menu_is_unchanged_by_its_declarations() -> None:
    async with FlowTester(DEMO, capabilities=Capabilities(max_buttons=0)) as chat:
        await chat.send("hi")
        await chat.send("2")
        assert chat.flow == "order_status"
