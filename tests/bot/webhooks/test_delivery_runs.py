"""What delivering a customer's run of events costs, and the opt-in batched requests:
the real ``EventDeliverer`` against a real endpoint over HTTP on 127.0.0.1, on the real
store, with events already waiting when it starts (so each run is known in advance)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.config.events import EventsSettings
from bot.store.hooks import EventOutbox
from bot.store.store import Store
from bot.webhooks.events import BusinessEvent, BusinessEvents
from bot.webhooks.http_client import WebhookClient
from bot.webhooks.worker import EventDeliverer
from tests.bot.store.test_server_work import commands_run
from tests.bot.webhooks.conversation import polled
from tests.fakes.webhook_receiver import FakeReceiver
from tests.servers import CLUSTER

SECRET = "whsec-runs-0123456789"


async def waiting(store: Store, names: list[str], customer: str, count: int) -> list[str]:
    """``count`` events committed for ``customer``, not delivered yet; their ids."""
    outbox = store.enable_events(subscriptions=names, lease_seconds=30,
                                 source=BusinessEvents())
    ids = []
    for n in range(count):
        event = BusinessEvent("message.received", customer, {"text": f"m{n}"})
        await outbox.publish(customer, event.to_json())
        ids.append(event.id)
    return ids


@contextlib.asynccontextmanager
async def delivering(outbox: EventOutbox, settings: EventsSettings, *,
                     poll_seconds: float = 0.05,
                     http: WebhookClient | None = None) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(EventDeliverer(outbox=outbox, settings=settings,
                                              poll_seconds=poll_seconds, http=http).run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


def arrivals(receiver: FakeReceiver) -> dict[str, list[str]]:
    """Each subscription's event ids in arrival order (requests and events are recorded
    in the same order)."""
    found: dict[str, list[str]] = {}
    events = iter(receiver.received)
    for name, size in receiver.requests:
        found.setdefault(name, []).extend(next(events)["id"] for _ in range(size))
    return found


def subscription(receiver: FakeReceiver, name: str, **more: Any) -> dict[str, Any]:
    return {"url": f"{receiver.url}?s={name}", "secret": SECRET, "name": name, **more}


@pytest.mark.skipif(CLUSTER, reason="counts one server's commands")
async def test_a_customers_waiting_events_cost_a_few_commands_not_a_few_per_event(
    store: Store, redis: Redis,
) -> None:
    async with FakeReceiver(SECRET) as receiver:
        ids = await waiting(store, ["crm"], "c1", 12)
        assert store.events is not None
        await redis.config_resetstat()
        settings = EventsSettings(subscriptions=[subscription(receiver, "crm")])
        async with delivering(store.events, settings):
            await receiver.wait_for(len(ids))
            await polled(lambda: redis.zcard(store.keys.hooks_due), lambda due: due == 0)
        calls = await commands_run(redis)
    assert [e["id"] for e in receiver.received] == ids
    assert receiver.forged == 0
    # The claim (its ZADD XX), then one run: the 12 read (XRANGE) in one step, and one
    # that writes the position past them (HSET), finds nothing after (XRANGE) and lets go
    # (ZREM; the stream and positions deleted: DEL). Each event used to cost a position
    # write (HSET, HDEL) and a lease extension (ZADD) of its own.
    assert calls.get("hset", 0) == 1, calls
    assert calls.get("zadd", 0) == 1, calls
    assert calls.get("xrange", 0) == 2, calls
    assert await redis.exists(store.keys.customer("c1").hooks) == 0  # all delivered


async def test_a_batching_subscription_gets_a_customers_events_together_in_order(
    store: Store,
) -> None:
    async with FakeReceiver(SECRET) as receiver:
        ids = await waiting(store, ["one", "batched"], "c1", 7)
        assert store.events is not None
        settings = EventsSettings(subscriptions=[
            subscription(receiver, "one"), subscription(receiver, "batched", batch=3)])
        async with delivering(store.events, settings):
            await receiver.wait_for(len(ids))
            await polled(lambda: store.redis.zcard(store.keys.hooks_due), lambda n: n == 0)
    assert receiver.forged == 0  # the envelope is signed as a whole
    assert [size for name, size in receiver.requests if name == "batched"] == [3, 3, 1]
    assert [size for name, size in receiver.requests if name == "one"] == [1] * len(ids)
    arrived = arrivals(receiver)
    assert arrived == {"one": ids, "batched": ids}  # each in commit order, once


async def test_a_failing_batch_becomes_one_dead_letter_per_event_and_replays(
    store: Store,
) -> None:
    async with FakeReceiver(SECRET) as receiver:
        receiver.fail_until = float("inf")
        ids = await waiting(store, ["batched"], "c1", 3)
        outbox = store.events
        assert outbox is not None
        settings = EventsSettings(subscriptions=[subscription(receiver, "batched", batch=5)],
                                  retry_for_seconds=0.3, backoff_initial_seconds=0.05,
                                  backoff_max_seconds=0.1)
        async with delivering(outbox, settings):
            letters = await polled(outbox.dead_letters, lambda found: len(found) == 3)
            assert sorted(d.event_id for d in letters) == sorted(ids)
            assert {d.error for d in letters} == {"HTTP 500"}
            assert sorted(json.loads(d.body)["id"] for d in letters) == sorted(ids)
            receiver.fail_until = 0
            for event_id in ids:  # in the order they were committed
                assert await outbox.replay_event("c1", "batched", event_id)
            await receiver.wait_for(3)
    assert [e["id"] for e in receiver.received] == ids
    assert await outbox.dead_letters() == []


async def test_a_free_delivery_slot_is_claimed_again_without_waiting_for_the_poll(
    store: Store,
) -> None:
    """One slot, two customers due: the second is claimed when the first's delivery ends,
    not a poll later (the loop used to sleep a whole poll whenever its slots were full)."""
    async with FakeReceiver(SECRET) as receiver:
        first = await waiting(store, ["crm"], "c1", 2)
        second = await waiting(store, ["crm"], "c2", 2)
        assert store.events is not None
        settings = EventsSettings(subscriptions=[subscription(receiver, "crm")],
                                  concurrency=1)
        async with delivering(store.events, settings, poll_seconds=3600):
            await receiver.wait_for(len(first) + len(second))
    assert sorted(e["id"] for e in receiver.received) == sorted(first + second)
