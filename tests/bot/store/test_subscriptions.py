"""The API's webhook subscriptions in the store: the limit holds when requests race
(counted and written in one script call), and a record stored before ``batch`` existed
reads as one event per request."""

from __future__ import annotations

import asyncio
import json

from redis.asyncio import Redis

from bot.store.store import Store
from bot.store.subscriptions import MAX_SUBSCRIPTIONS, SubscriptionStore, TooManySubscriptions

SECRET = "whsec-0123456789abcdef"


async def test_requests_at_the_same_time_cannot_pass_the_limit(store: Store) -> None:
    stored = SubscriptionStore.of(store)
    made = await asyncio.gather(*(
        stored.create(url=f"https://crm.example/hooks/{n}", secret=SECRET, types=["*"],
                      by="ops") for n in range(MAX_SUBSCRIPTIONS + 10)),
        return_exceptions=True)
    refused = [m for m in made if isinstance(m, TooManySubscriptions)]
    assert len(refused) == 10 and "delete one first" in str(refused[0])
    assert len(await stored.all()) == MAX_SUBSCRIPTIONS
    assert len({s.id for s in await stored.all()}) == MAX_SUBSCRIPTIONS


async def test_a_batch_is_kept_and_an_older_record_reads_as_one(store: Store,
                                                                redis: Redis) -> None:
    stored = SubscriptionStore.of(store)
    made = await stored.create(url="https://crm.example/hooks", secret=SECRET,
                               types=["message.received"], by="ops", batch=25)
    older = {"id": "api-0123456789abcdef", "url": "https://erp.example/hooks",
             "secret": SECRET, "types": ["*"], "created_ms": 1, "by": "ops"}
    await redis.hset(store.keys.hooks_subscriptions, older["id"], json.dumps(older))
    found = {s.id: s for s in await stored.all()}
    assert found[made.id].batch == 25 and found[older["id"]].batch == 1
