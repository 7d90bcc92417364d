"""Event webhooks on a real bot, over real HTTP on 127.0.0.1, with real signatures."""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from typing import Any

from bot.runtime import Runtime
from tests.bot.webhooks.conversation import (
    SCRIPT,
    identity,
    polled,
    returns,
    say,
    settings_for,
)
from tests.fakes.webhook_receiver import FakeReceiver

SECRET = "whsec-0123456789abcdef"
#: Per customer and script: created, then per message received + sent, then updated and
#: flow.completed with the last answer.
PER_CUSTOMER = 1 + 2 * len(SCRIPT) + 2


def by_customer(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Each customer's events in first-arrival order, duplicates dropped."""
    seen: set[str] = set()
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event["id"] not in seen:
            seen.add(event["id"])
            found[event["customer_id"]].append(event)
    return found


async def converse(runtime: Runtime, users: list[str]) -> None:
    for n, text in enumerate(SCRIPT):
        for user in users:
            await say(runtime, user, n, text)
        await runtime.settle()


async def test_an_endpoint_failing_for_a_while_gets_every_event_once_per_id_in_order(
    make_settings: Any,
) -> None:
    users = ["ana", "ben", "cai"]
    async with FakeReceiver(SECRET) as receiver:
        receiver.fail_until = time.monotonic() + 10
        async with Runtime(settings_for(make_settings, receiver.url, SECRET),
                           flows=[returns], serve_http=False) as runtime:
            await converse(runtime, users)
            await receiver.wait_for(PER_CUSTOMER * len(users), timeout=60)

            async def streams_left() -> list[Any]:
                pattern = runtime.store.keys.hooks_pattern
                return [key async for key in runtime.store.redis.scan_iter(match=pattern)]

            # Delivered everywhere: the streams are gone (start-up recovery scans nothing).
            await polled(streams_left, lambda left: left == [])
        assert receiver.failed > 0 and receiver.forged == 0
        assert time.monotonic() >= receiver.fail_until
        customers = by_customer(receiver.received)
        assert len(customers) == len(users)
        duplicates = len(receiver.received) - len(receiver.ids())
        assert duplicates <= len(users)  # at least once: a redelivery carries the same id
        for events in customers.values():
            types = [e["type"] for e in events]
            assert types == ["customer.created",
                             *["message.received", "message.sent"] * (len(SCRIPT) - 1),
                             "message.received", "flow.completed", "message.sent",
                             "customer.updated"]
            times = [e["time"] for e in events]
            assert times == sorted(times)
            completed = events[-3]["data"]
            assert completed == {"flow": "returns", "at": completed["at"], "slots": {
                "order": "A1001", "item": "shoes", "reason": "too small"}}
            assert "returned" in events[-1]["data"]["profile"]["tags"]


async def test_a_hung_endpoint_does_not_slow_replies(make_settings: Any) -> None:
    async with FakeReceiver(SECRET) as receiver:
        receiver.hang = True
        settings = settings_for(make_settings, receiver.url, SECRET)
        async with Runtime(settings, flows=[returns], serve_http=False) as runtime:
            await say(runtime, "ana", 0, "hi")
            await runtime.settle()
            async with asyncio.timeout(10):
                await receiver.hung.wait()  # the worker is stuck on the endpoint now
            started = time.perf_counter()
            for n, text in enumerate(SCRIPT[1:], start=1):
                await say(runtime, "ana", n, text)
                await runtime.settle()
            answered = time.perf_counter() - started
            history = await runtime.store.history(
                await runtime.store.resolve(identity("ana")))
            assert [e.kind for e in history].count("outbound") == len(SCRIPT)
            # Every reply while the endpoint hangs (2 s per request): far below one timeout.
            assert answered < 1.5, answered
            assert receiver.received == []



async def test_undeliverable_events_become_dead_letters_and_replay_delivers_them(
    make_settings: Any,
) -> None:
    async with FakeReceiver(SECRET) as receiver:
        receiver.fail_until = time.monotonic() + 3600
        settings = settings_for(make_settings, receiver.url, SECRET, retry_for_seconds=0.3,
                                backoff_max_seconds=0.1)
        async with Runtime(settings, flows=[returns], serve_http=False) as runtime:
            await say(runtime, "ana", 0, "hi")
            await runtime.settle()
            assert runtime.store.events is not None
            outbox = runtime.store.events
            letters = await polled(outbox.dead_letters, lambda found: len(found) >= 3)
            assert [json_type(d.body) for d in letters] == [
                "customer.created", "message.received", "message.sent"]
            assert {d.error for d in letters} == {"HTTP 500"}
            assert all(d.attempts >= 2 for d in letters)
            receiver.fail_until = 0
            for letter in letters:
                assert await outbox.replay(letter)
                assert not await outbox.replay(letter)  # once
            await receiver.wait_for(3)
            assert [e["id"] for e in receiver.received] == [d.event_id for d in letters]
            assert await outbox.dead_letters() == []


async def test_a_worker_that_stops_mid_delivery_leaves_its_events_to_the_next(
    make_settings: Any,
) -> None:
    async with FakeReceiver(SECRET) as receiver:
        receiver.hang = True
        settings = settings_for(make_settings, receiver.url, SECRET, lease_seconds=2,
                                server={"port": 0, "shutdown_timeout": 0.5})
        async with Runtime(settings, flows=[returns], serve_http=False) as runtime:
            await say(runtime, "ana", 0, "hi")
            await runtime.settle()
            async with asyncio.timeout(10):
                await receiver.hung.wait()
        receiver.hang = False
        async with Runtime(settings, flows=[returns], serve_http=False):
            await receiver.wait_for(3)
        assert [e["type"] for e in by_customer(receiver.received).popitem()[1]] == [
            "customer.created", "message.received", "message.sent"]


def json_type(body: bytes) -> str:
    return str(json.loads(body)["type"])
