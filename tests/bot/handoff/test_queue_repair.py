"""Finding 15.8: a customer stuck "queued" forever. The queue is written after the turn
that queued the customer commits; when the store failed in between, no operator saw them,
they never timed out and the bot stayed silent. The sweep now puts queued sessions that
the queue misses back in it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.config.settings import Settings
from bot.handoff.queue_repair import FULL_CHECK, repair_queue, requeue_missing, settle_intents
from bot.handoff.sweeper import sweep
from bot.runtime import Runtime
from bot.search.indexer import CATCH_UP
from bot.store.chores import ChoreLeases
from bot.store.handoff import HandoffQueue, Intent
from bot.store.keys import Keys
from bot.store.store import Store
from connectors.collecting import CollectingConnector
from tests.bot.handoff.test_desk import OPERATORS, Customer
from tests.bot.store.test_server_work import commands_run
from tests.servers import CLUSTER


async def repairs_done_elsewhere(redis: Redis, settings: Settings) -> None:
    """Another process ran the hour's full repairs (the queue's check, the search
    index's catch-up): a runtime started now runs neither, so none races a test or adds
    to the commands it counts."""
    for chore in (FULL_CHECK, CATCH_UP):
        await redis.set(Keys(settings.store.key_prefix).chore(chore), "1", px=3_600_000)


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis) -> AsyncIterator[Runtime]:
    settings = make_settings(handoff={"operators": OPERATORS})
    await repairs_done_elsewhere(redis, settings)
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")],
                       serve_http=False) as rt:
        yield rt


async def test_a_customer_queued_when_the_store_failed_after_the_commit_is_requeued(
    runtime: Runtime,
) -> None:
    desk = runtime.desk
    assert desk is not None
    queue_key = desk.queue._key("queue")
    # The fault: right after the commit, the store refuses the queue write (the key holds
    # the wrong type, so ZADD fails as a lost connection would; nothing else is touched).
    await runtime.store.redis.set(queue_key, "broken")
    customer = Customer(runtime, "stuck")
    await customer.says("human")
    customer_id = await customer.id()
    session, _ = await runtime.store.load(customer_id)
    assert session.mode == "queued", "the commit happened"
    await runtime.store.redis.delete(queue_key)  # the store is well again
    assert await desk.queue.position(customer_id) is None, "but the queue never heard"

    assert await requeue_missing(desk.queue, runtime.store) == [customer_id]
    assert await desk.queue.position(customer_id) == 1
    assert session.handoff is not None
    score = await runtime.store.redis.zscore(queue_key, customer_id)
    assert score == pytest.approx(session.handoff.requested_at), "in its place in the line"
    assert await requeue_missing(desk.queue, runtime.store) == [], "once"

    # Back in the queue, it times out like any other, and the bot speaks again.
    await sweep(desk, act=runtime.pipeline.act, timeout=0)  # overdue now
    await runtime.settle()
    session, _ = await runtime.store.load(customer_id)
    assert session.mode == "bot"
    assert await desk.queue.position(customer_id) is None


async def idle_customers(store: Store, n: int) -> None:
    """``n`` customers with a committed bot session each, as a store that has been
    serving for a while holds them (only what the repairs read is written)."""
    async with store.redis.pipeline(transaction=False) as pipe:
        for i in range(n):
            pipe.hset(store.keys.customer(f"idle-{i}").session,
                      mapping={"v": 1, "m": "bot", "d": '{"version": 1}'})
        await pipe.execute()


async def lost_queue_write(runtime: Runtime, user: str) -> str:
    """A customer queued whose queue write failed after the commit (the store refused
    it as a lost connection would); returns their customer id."""
    desk = runtime.desk
    assert desk is not None
    queue_key = desk.queue._key("queue")
    await runtime.store.redis.set(queue_key, "broken")
    customer = Customer(runtime, user)
    await customer.says("human")
    await runtime.store.redis.delete(queue_key)
    customer_id = await customer.id()
    session, _ = await runtime.store.load(customer_id)
    assert session.mode == "queued" and await desk.queue.position(customer_id) is None
    return customer_id


async def test_the_periodic_repair_requeues_a_lost_queue_write_without_reading_every_session(
    runtime: Runtime,
) -> None:
    """Issue 22, target 4: the queue's repair read every session every minute in every
    process with a desk (a SCAN and an HMGET each). It now reads the intents the turns
    that queued someone left unsettled; the full check runs once an hour, by one
    process."""
    desk = runtime.desk
    assert desk is not None
    store = runtime.store
    await idle_customers(store, 1000)
    customer_id = await lost_queue_write(runtime, "stuck")
    # Another process ran the full check within the hour: this minute's repair is the
    # intents' only.
    assert not await ChoreLeases(store.redis, keys=store.keys).take(FULL_CHECK, 60)

    if not CLUSTER:  # counts one server's commands
        await store.redis.config_resetstat()
    assert await settle_intents(desk.queue, store) == [], "an intent this young is its turn's"
    assert await repair_queue_now(desk.queue, store) == [customer_id]
    if not CLUSTER:
        calls = await commands_run(store.redis)
        reads = sum(calls.get(c, 0) for c in ("scan", "hget", "hmget", "get"))
        assert "scan" not in calls and reads < 10, calls  # was 3 SCANs and 1,001 HMGETs
    assert await desk.queue.position(customer_id) == 1
    session, _ = await store.load(customer_id)
    assert session.handoff is not None
    score = await store.redis.zscore(desk.queue._key("queue"), customer_id)
    assert score == pytest.approx(session.handoff.requested_at), "in its place in the line"
    assert await desk.queue.intents(written_before=time.time() + 1) == [], "settled"
    assert await repair_queue_now(desk.queue, store) == [], "once"


async def test_the_full_check_runs_once_per_lease_across_processes(runtime: Runtime) -> None:
    """What no intent covers (a session queued before intents existed): the full check,
    by whichever process wins its lease, not by every one every minute."""
    desk = runtime.desk
    assert desk is not None
    store = runtime.store
    customer_id = await lost_queue_write(runtime, "older")
    await desk.queue.settle(*await desk.queue.intents(written_before=time.time() + 1))
    assert await repair_queue(desk.queue, store) == [], "another process took the lease"
    await store.redis.delete(store.keys.chore(FULL_CHECK))  # an hour later
    assert await repair_queue(desk.queue, store) == [customer_id]
    assert await desk.queue.position(customer_id) == 1


async def repair_queue_now(queue: HandoffQueue, store: Store) -> list[str]:
    """``repair_queue`` as another minute brings it, with the intents' grace past."""
    requeued = await settle_intents(queue, store, grace=-1)
    return requeued + await repair_queue(queue, store)  # the full check's lease is held


async def test_an_intent_is_judged_only_once_its_turn_lost_the_lease(runtime: Runtime) -> None:
    desk = runtime.desk
    assert desk is not None
    customer = Customer(runtime, "writes")
    await customer.says("hello")
    customer_id = await customer.id()
    lease = runtime.store.keys.customer(customer_id).lease
    intent = Intent(customer_id, "tok-1")
    await desk.queue.intend(intent)
    await runtime.store.redis.set(lease, "tok-1")  # its turn still runs
    assert await settle_intents(desk.queue, runtime.store, grace=-1) == []
    assert await desk.queue.intents(written_before=time.time() + 1) == [intent], "kept"

    await runtime.store.redis.delete(lease)  # its commit was refused, the lease lapsed
    assert await settle_intents(desk.queue, runtime.store, grace=-1) == []
    assert await desk.queue.intents(written_before=time.time() + 1) == [], "settled"
    assert await desk.queue.position(customer_id) is None, "never queued: not queued"
