"""The engine's own guarantees, without a store: a flow that raises changes nothing."""

from __future__ import annotations

import pytest

from bot.dialogue import Ask, DialogueEngine, End, Flow, StepResult, Turn
from bot.messages import Identity, Inbound, Text
from bot.model import Profile, Session

TELEGRAM = Identity(channel="telegram", user_id="7")
WEB = Identity(channel="webchat", user_id="w7")

fragile = Flow("fragile")


@fragile.step
async def ask(turn: Turn) -> StepResult:
    return Ask("word", "Say a word", then=react)


@fragile.step
async def react(turn: Turn) -> StepResult:
    turn.slots["seen"] = True
    if turn.slots["word"] == "boom":
        raise RuntimeError("a bug in a flow")
    turn.say(f"You said {turn.slots['word']}")
    return End()


def said(identity: Identity, text: str) -> Inbound:
    return Inbound(identity=identity, message_id=text, text=text)


async def asking(engine: DialogueEngine) -> tuple[Session, Profile]:
    """A customer on Telegram, asked for a word, as the store would hand them over."""
    first = await engine.handle(customer_id="c", session=Session(), profile=Profile(),
                                inbound=said(TELEGRAM, "hello"))
    return first.session, first.profile


@pytest.mark.parametrize("saved_by", ["the caller", "the engine"])
async def test_a_flow_that_raises_is_answered_with_an_apology_and_changes_nothing(
    saved_by: str,
) -> None:
    engine = DialogueEngine([fragile], default_flow="fragile")
    session, profile = await asking(engine)
    session.version = 4
    stored = session.model_dump_json()
    # The customer comes over to the web chat and trips the bug.
    result = await engine.handle(customer_id="c", session=session, profile=profile,
                                 inbound=said(WEB, "boom"),
                                 saved=stored if saved_by == "the caller" else None)
    assert result.replies == [Text(text=engine.texts.get("en", "engine.error"))]
    assert [e.kind for e in result.events] == ["inbound", "channel_switch", "error", "outbound"]
    rolled_back = result.session
    assert rolled_back.frame is not None and rolled_back.frame.step == "ask"
    assert "seen" not in rolled_back.frame.slots and rolled_back.greeted_on == []
    assert rolled_back.version == 4
    assert rolled_back.address == WEB, "the apology goes where the customer wrote"
    # ...and the conversation goes on from where it stood.
    after = await engine.handle(customer_id="c", session=rolled_back, profile=profile,
                                inbound=said(WEB, "fine"))
    assert after.replies == [Text(text="You said fine")]


async def test_a_new_customer_whose_first_turn_raises_starts_afresh() -> None:
    broken = Flow("broken")

    @broken.step
    async def explode(turn: Turn) -> StepResult:
        raise RuntimeError("a bug in a flow")

    engine = DialogueEngine([broken], default_flow="broken")
    result = await engine.handle(customer_id="c", session=Session(), profile=Profile(),
                                 inbound=said(TELEGRAM, "hi"), saved=b"")
    assert result.session.stack == [] and result.session.address == TELEGRAM
    assert result.replies == [Text(text=engine.texts.get("en", "engine.error"))]
