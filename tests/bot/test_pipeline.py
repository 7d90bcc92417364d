"""docs/architecture.md invariants 1 and 2 against a real server: one turn at a time per
customer across processes, in arrival order; one effect per platform message; no stale
overwrite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.dialogue import Ask, DialogueEngine, Flow, Goto, StepResult, Turn
from bot.dispatch import Dispatcher
from bot.messages import Identity, Inbound
from bot.pipeline import Pipeline
from bot.store.client import connect
from bot.store.store import Store
from connectors.collecting import CollectingConnector
from tests.servers import CLUSTER

TELEGRAM = Identity(channel="telegram", user_id="1001")
WEB = Identity(channel="webchat", user_id="v-1001")

tally = Flow("tally")


@tally.step
async def listen(turn: Turn) -> StepResult:
    return Ask("said", "say something", then=count)


@tally.step
async def count(turn: Turn) -> StepResult:
    log = turn.slots.setdefault("log", [])
    log.append(turn.slots["said"])
    await asyncio.sleep(0)  # a real await inside the turn, as an API call would be
    turn.say(f"{len(log)}: {turn.slots['said']}")
    return Goto(listen)


class Process:
    """One pipeline with its own Redis connection, as another process would have."""

    def __init__(self, redis_url: str, connectors: list[CollectingConnector]) -> None:
        self.redis = connect(redis_url, cluster=CLUSTER)
        self.store = Store(self.redis, lease_seconds=5)
        engine = DialogueEngine([tally], default_flow="tally")
        self.dispatcher = Dispatcher(store=self.store,
                                     connectors={c.channel: c for c in connectors})
        self.pipeline = Pipeline(store=self.store, engine=engine, dispatcher=self.dispatcher)

    async def settle(self) -> None:
        await self.pipeline.turns.wait_idle()
        await self.dispatcher.senders.wait_idle()

    async def close(self) -> None:
        await self.pipeline.close(5)
        await self.dispatcher.close(5)
        await self.redis.aclose()


@pytest.fixture
async def channels() -> tuple[CollectingConnector, CollectingConnector]:
    return CollectingConnector(channel="telegram"), CollectingConnector(channel="webchat")


@pytest.fixture
async def processes(
    redis: Redis, redis_url: str, channels: tuple[CollectingConnector, CollectingConnector]
) -> AsyncIterator[tuple[Process, Process]]:
    pair = (Process(redis_url, list(channels)), Process(redis_url, list(channels)))
    yield pair
    for process in pair:
        await process.close()


# Proves docs/architecture.md invariant 5.
async def test_200_messages_on_two_channels_apply_in_arrival_order_with_no_lost_update(
    processes: tuple[Process, Process],
    channels: tuple[CollectingConnector, CollectingConnector],
) -> None:
    one, two = processes
    customer = await one.store.resolve(TELEGRAM)
    await one.store.assign_identity(WEB, customer)
    await one.pipeline.submit([Inbound(identity=TELEGRAM, message_id="start", text="go")])
    await one.settle()

    async def send_all(process: Process, identity: Identity, tag: str) -> None:
        for n in range(100):
            await process.pipeline.submit(
                [Inbound(identity=identity, message_id=f"{tag}{n}", text=f"{tag}{n}")])

    # Each channel goes through its own process; both write at once.
    await asyncio.gather(send_all(one, TELEGRAM, "t"), send_all(two, WEB, "w"))
    telegram, web = channels
    # Each reply is sent after its turn committed: once all have arrived (the start prompt,
    # then each message's count and the next prompt, on its channel), all turns are in.
    # Telegram: the start prompt, a greeting when the customer came back to it, and each
    # message's count and the next prompt; the web chat the same without the start prompt.
    await telegram.wait_for(lambda sent: len(sent) >= 202, timeout=30)
    await web.wait_for(lambda sent: len(sent) >= 201, timeout=30)
    session, _ = await one.store.load(customer)
    log = session.stack[-1].slots["log"]
    assert len(log) == 200 and len(set(log)) == 200, "every message applied exactly once"
    assert [x for x in log if x[0] == "t"] == [f"t{n}" for n in range(100)]
    assert [x for x in log if x[0] == "w"] == [f"w{n}" for n in range(100)]
    history = await one.store.history(customer, limit=2000)
    recorded = [e.text for e in history if e.kind == "inbound" and e.text != "go"]
    assert recorded == log, "turns ran in the order messages were recorded"
    assert (len(telegram.sent), len(web.sent)) == (202, 201), "nothing sent twice"
    replies = [s.text for s in telegram.sent + web.sent if s.text[0].isdigit()]
    assert sorted(int(r.split(":")[0]) for r in replies) == list(range(1, 201))
    # The two processes interleaved the channels, so the customer switched both ways...
    switched_to = {e.data["to"] for e in history if e.kind == "channel_switch"}
    assert switched_to == {TELEGRAM.key, WEB.key}
    # ...and each identity was greeted exactly once, on its first switch to it.
    assert [s.text for s in web.sent if s.text.startswith("Hi again")] == [
        "Hi again, continuing here on the web chat."]
    assert [s.text for s in telegram.sent if s.text.startswith("Hi again")] == [
        "Hi again, continuing here on Telegram."]
    assert {s.to for s in web.sent} == {WEB}, "each reply goes to the channel written on"
    assert {s.to for s in telegram.sent} == {TELEGRAM}


async def test_a_redelivered_message_has_no_second_effect(
    processes: tuple[Process, Process],
    channels: tuple[CollectingConnector, CollectingConnector],
) -> None:
    one, two = processes
    first = Inbound(identity=TELEGRAM, message_id="u1", text="hello")
    second = Inbound(identity=TELEGRAM, message_id="u2", text="again")
    await one.pipeline.submit([first])
    await one.settle()
    # The same update arrives again, concurrently, through both processes.
    await asyncio.gather(one.pipeline.submit([second]), two.pipeline.submit([second]),
                         one.pipeline.submit([first]))
    await asyncio.gather(one.settle(), two.settle())
    telegram, _ = channels
    await telegram.wait_for(lambda sent: len(sent) >= 3)
    customer = await one.store.resolve(TELEGRAM)
    inbound = [e for e in await one.store.history(customer) if e.kind == "inbound"]
    assert [e.text for e in inbound] == ["hello", "again"]
    assert [s.text for s in telegram.sent] == ["say something", "1: again", "say something"]


async def test_a_turn_longer_than_its_lease_keeps_it_and_commits(redis_url: str) -> None:
    """A slow step (an API call) outlasts the lease: the lease is extended while the turn
    runs, so its commit is not refused as stale."""
    slow = Flow("slow")

    @slow.step
    async def think(turn: Turn) -> StepResult:
        await asyncio.sleep(0.5)
        turn.say("done thinking")
        return None

    redis = connect(redis_url, cluster=CLUSTER)
    await redis.flushall()
    store = Store(redis, lease_seconds=0.2)
    chat = CollectingConnector(channel="telegram")
    dispatcher = Dispatcher(store=store, connectors={"telegram": chat})
    pipeline = Pipeline(store=store, engine=DialogueEngine([slow], default_flow="slow"),
                        dispatcher=dispatcher)
    try:
        await pipeline.submit([Inbound(identity=TELEGRAM, message_id="m1", text="hi")])
        await chat.wait_for(lambda sent: len(sent) == 1)
        assert pipeline.metrics.registry.get_sample_value("omnicanal_stale_writes_total") == 0
        session, _ = await store.load(await store.resolve(TELEGRAM))
        assert session.version == 1
    finally:
        await pipeline.close(5)
        await dispatcher.close(5)
        await redis.aclose()
