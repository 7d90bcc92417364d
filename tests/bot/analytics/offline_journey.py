"""A scripted offline-to-online journey, shared by the report test and the browser test:
three customers scan the shop's poster: one opts in through it, then orders; one answers
no (the entry's own flow completes: no conversion); one never writes again. One scans an
old flyer outside its attribution window and orders; nobody scans the door sticker.

Expected for the period: shop 3 scans, 2 conversations, 1 opt-in, 1 conversion; flyer 1
scan and nothing else; sticker all 0; the "spring" campaign (shop + sticker) as the shop."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.consent.ledger import MARKETING, decide
from bot.dialogue import Ask, End, Flow, StepResult, Turn, command
from bot.dialogue.loading import load_flows
from bot.messages import Identity, Inbound
from bot.reaching.entry import reference
from bot.runtime import Runtime
from tests.conftest import TEST_FLOWS

ENTRY_POINTS: dict[str, Any] = {
    "shop": {"title": {"en": "Shop window"}, "campaign": "spring", "flow": "join"},
    "sticker": {"title": {"en": "Door sticker"}, "campaign": "spring"},
    "flyer": {"title": {"en": "Old flyer"}, "attribution_hours": 1},
}
EXPECTED = {
    "shop": {"scans": 3, "conversations": 2, "optins": 1, "conversions": 1},
    "flyer": {"scans": 1, "conversations": 0, "optins": 0, "conversions": 0},
    "sticker": {"scans": 0, "conversations": 0, "optins": 0, "conversions": 0},
}
EXPECTED_CAMPAIGN = {"scans": 3, "conversations": 2, "optins": 1, "conversions": 1}

join = Flow("join")
order = Flow("order", triggers=command("order"))
_ids = itertools.count()


@join.step
async def ask_offers(turn: Turn) -> StepResult:
    return Ask("answer", "Offers from the shop?", then=joined)


@join.step
async def joined(turn: Turn) -> StepResult:
    touch = turn.profile.last_touch
    if turn.slots["answer"] == "yes":
        decide(turn.profile, MARKETING, True, channel=turn.channel, source="flow:join",
               text="Offers from the shop?", qr=touch.entry if touch else None)
    turn.say("Noted.")
    return End()


@order.step
async def ask_item(turn: Turn) -> StepResult:
    return Ask("item", "What would you like?", then=ordered)


@order.step
async def ordered(turn: Turn) -> StepResult:
    turn.say(f"{turn.slots['item']} ordered.")
    return End()


def journey_flows() -> list[Flow]:
    return [*load_flows(TEST_FLOWS["modules"]), join, order]


async def say(runtime: Runtime, user: str, text: str, *, ago: float = 0) -> None:
    await runtime.pipeline.submit([Inbound(
        identity=Identity(channel="webchat", user_id=user), message_id=f"o{next(_ids)}",
        text=text, timestamp=time.time() - ago)])
    await runtime.settle()


async def scripted_journey(runtime: Runtime) -> None:
    secret = await runtime._link_secret(runtime.store)
    await say(runtime, "ana", reference(secret, "shop"))  # the poster: the opt-in asks
    await say(runtime, "ana", "yes")  # writes again, opts in (the entry's own flow)
    await say(runtime, "ana", "/order")
    await say(runtime, "ana", "a blue mug")  # a flow completed: a conversion
    await say(runtime, "bea", reference(secret, "shop"))
    await say(runtime, "bea", "no")  # writes again; "join" is no conversion
    await say(runtime, "dan", reference(secret, "shop"))  # scans, never writes again
    await say(runtime, "cid", reference(secret, "flyer"), ago=3 * 3600)  # window: 1 h
    await say(runtime, "cid", "/order")
    await say(runtime, "cid", "a red mug")  # too late to count for the flyer
    assert runtime.analytics is not None
    await runtime.analytics.flush()
