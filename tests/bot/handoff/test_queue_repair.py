"""Finding 15.8: a customer stuck "queued" forever. The queue is written after the turn
that queued the customer commits; when the store failed in between, no operator saw them,
they never timed out and the bot stayed silent. The sweep now puts queued sessions that
the queue misses back in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.sweeper import requeue_missing, sweep
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.bot.handoff.test_desk import OPERATORS, Customer


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    settings = make_settings(handoff={"operators": OPERATORS})
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

    assert await requeue_missing(desk, runtime.store) == [customer_id]
    assert await desk.queue.position(customer_id) == 1
    assert session.handoff is not None
    score = await runtime.store.redis.zscore(queue_key, customer_id)
    assert score == pytest.approx(session.handoff.requested_at), "in its place in the line"
    assert await requeue_missing(desk, runtime.store) == [], "once"

    # Back in the queue, it times out like any other, and the bot speaks again.
    await sweep(desk, act=runtime.pipeline.act, timeout=0)  # overdue now
    await runtime.settle()
    session, _ = await runtime.store.load(customer_id)
    assert session.mode == "bot"
    assert await desk.queue.position(customer_id) is None
