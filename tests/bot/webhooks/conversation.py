"""A return request, the flow the webhook tests drive: it collects order, item and
reason (all three exportable, plus a note that is not) and tags the customer."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.dialogue import Ask, End, Flow, StepResult, Turn
from bot.messages import Identity, Inbound, SenderHint
from bot.runtime import Runtime

T = TypeVar("T")

returns = Flow("returns", export_slots=["order", "item", "reason"])


@returns.step
async def ask_order(turn: Turn) -> StepResult:
    return Ask("order", "Which order?", then=ask_item)


@returns.step
async def ask_item(turn: Turn) -> StepResult:
    turn.slots["note"] = "internal: customer sounded upset"
    return Ask("item", "Which item?", then=ask_reason)


@returns.step
async def ask_reason(turn: Turn) -> StepResult:
    return Ask("reason", "Why?", then=done)


@returns.step
async def done(turn: Turn) -> StepResult:
    turn.profile.tags.append("returned")
    turn.say(f"Return of {turn.slots['item']} from {turn.slots['order']} registered.")
    return End()


#: What a customer says, in order: a greeting starts the flow, then its three answers.
SCRIPT = ("hi", "A1001", "shoes", "too small")


def settings_for(make_settings: Any, url: str, secret: str, *,
                 server: dict[str, Any] | None = None, **events: Any) -> Any:
    return make_settings(
        server=server or {"port": 0},
        flows={"default": "returns"}, linking={"enabled": False},
        handoff={"enabled": False},
        events={"subscriptions": [{"url": url, "secret": secret, "timeout_seconds": 2}],
                "backoff_initial_seconds": 0.05, "backoff_max_seconds": 1,
                "retry_for_seconds": 120, **events})


def identity(user: str) -> Identity:
    return Identity(channel="webchat", account="web", user_id=user)


async def say(runtime: Runtime, user: str, n: int, text: str) -> None:
    await runtime.pipeline.submit([Inbound(identity=identity(user), message_id=f"{user}-{n}",
                                           text=text, sender=SenderHint(name=user.title()))])


async def polled(read: Callable[[], Awaitable[T]], done: Callable[[T], bool], *,
                 timeout: float = 30.0) -> T:
    """What ``read`` returns once ``done`` says so (for what has nothing to wait on)."""
    async with asyncio.timeout(timeout):
        for _ in itertools.count():
            found = await read()
            if done(found):
                return found
            await asyncio.sleep(0.05)
    raise AssertionError("unreachable")
