"""Replaying every dead letter of a subscription (the console's "Replay all"): two
supervisors doing it at once replay each letter once between them, the other
subscription's letters stay, and the endpoint receives each event exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest

from bot.runtime import Runtime
from tests.bot.webhooks.conversation import polled, returns, say
from tests.fakes.webhook_receiver import FakeReceiver

SECRET = "whsec-0123456789abcdef"

pytestmark = pytest.mark.timeout(60)


async def test_concurrent_replays_of_a_subscription_send_each_letter_once(
        make_settings: Any) -> None:
    async with FakeReceiver(SECRET) as crm, FakeReceiver(SECRET) as shop:
        crm.fail_until = shop.fail_until = time.monotonic() + 3600
        settings = make_settings(
            flows={"default": "returns"}, linking={"enabled": False},
            handoff={"enabled": False},
            events={"subscriptions": [{"name": "crm", "url": crm.url, "secret": SECRET},
                                      {"name": "shop", "url": shop.url, "secret": SECRET}],
                    "backoff_initial_seconds": 0.05, "backoff_max_seconds": 0.1,
                    "retry_for_seconds": 0.3})
        async with Runtime(settings, flows=[returns]) as runtime:
            for n, user in enumerate(("eva", "fe", "gil")):
                await say(runtime, user, n, "hi")
            await runtime.settle()
            events = runtime.store.events
            assert events is not None

            def of(subscription: str, letters: list[Any]) -> list[str]:
                return [d.event_id for d in letters if d.subscription == subscription]

            async def nothing_due() -> int:
                return int(await runtime.store.redis.zcard(runtime.store.keys.hooks_due))

            await polled(lambda: events.dead_letters(), lambda found: len(found) > 0)
            await polled(nothing_due, lambda due: due == 0)  # every event died by now
            letters = await events.dead_letters()
            assert len(of("crm", letters)) == len(of("shop", letters)) >= 6
            crm.fail_until = 0
            first, second = await asyncio.gather(events.replay_subscription("crm"),
                                                 events.replay_subscription("crm"))
            assert first + second == len(of("crm", letters))
            await crm.wait_for(len(of("crm", letters)))
            await polled(nothing_due, lambda due: due == 0)
            assert Counter(e["id"] for e in crm.received) == Counter(of("crm", letters))
            left = await events.dead_letters()
            assert sorted(of("shop", left)) == sorted(of("shop", letters))
            assert of("crm", left) == [] and shop.received == []
