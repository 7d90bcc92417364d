"""The customer's typing signal: published only for a conversation someone watches (queued
or with a person), at most once per interval, and shown only to the consoles that may see
that conversation (its operator, supervisors; everyone while it is queued)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config.handoff import OperatorAccount
from bot.messages import Identity, Inbound
from bot.operator.auth import Caller
from bot.operator.live import _shown
from bot.operator.typing import TypingRelay
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector

OPERATORS = [{"id": "ana", "name": "Ana", "token": "token-of-ana-0123456789"},
             {"id": "bo", "name": "Bo", "token": "token-of-bo-0123456789"}]


def caller(operator: str, role: str = "operator") -> Caller:
    account = OperatorAccount(id=operator, role=role,  # type: ignore[arg-type]
                              token="token-of-someone-0123456789")
    return Caller(account=account, csrf=None)


def test_a_typing_frame_reaches_only_those_who_may_see_the_conversation() -> None:
    theirs = {"type": "typing", "customer_id": "c1", "queued": False, "operators": ["ana"]}
    assert json.loads(_shown(theirs, caller("ana")) or "{}") == {"type": "typing",
                                                                 "customer_id": "c1"}
    assert _shown(theirs, caller("bo")) is None
    assert _shown(theirs, caller("sam", "supervisor")) is not None
    assert _shown({**theirs, "queued": True, "operators": []}, caller("bo")) is not None


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    settings = make_settings(handoff={"operators": OPERATORS})
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")],
                       serve_http=False) as rt:
        yield rt


class LiveFrames:
    """The typing frames on the live channel, as a console process would receive them."""

    def __init__(self, runtime: Runtime) -> None:
        assert runtime.desk is not None
        self.queue = runtime.desk.queue
        self.typing: list[dict[str, Any]] = []
        self.marks = 0
        self._marked = asyncio.Event()
        self._task = asyncio.create_task(self._listen())

    async def _listen(self) -> None:
        async for raw in self.queue.listen():
            frame = json.loads(raw)
            if frame.get("type") == "typing":
                self.typing.append(frame)
            elif frame.get("type") == "mark":
                self._marked.set()

    async def settled(self) -> list[dict[str, Any]]:
        """The typing frames so far: a mark published after them has come back."""
        self._marked.clear()
        while not self._marked.is_set():  # the first marks may precede the subscription
            await self.queue.publish({"type": "mark"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._marked.wait(), 0.2)
        return self.typing

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def test_typing_is_published_only_while_a_person_is_wanted(runtime: Runtime) -> None:
    assert runtime.desk is not None
    live = LiveFrames(runtime)
    relay = TypingRelay(runtime.store, runtime.desk.queue)
    identity = Identity(channel="webchat", user_id="t1")
    await relay(identity)
    assert await live.settled() == [], "typing before any message: no customer yet"
    assert await runtime.store.known_customer(identity) is None, "and none made"
    await runtime.pipeline.submit([Inbound(identity=identity, message_id="m1", text="hi")])
    await runtime.settle()
    await relay(identity)
    assert await live.settled() == [], "with the bot: nobody watches"
    await runtime.pipeline.submit([Inbound(identity=identity, message_id="m2",
                                           text="human")])
    await runtime.settle()
    await relay(identity)
    await relay(identity)  # within the interval: one frame
    customer = await runtime.store.resolve(identity)
    assert await live.settled() == [{"type": "typing", "customer_id": customer,
                                     "channel": "webchat", "queued": True, "operators": []}]
    await live.close()
