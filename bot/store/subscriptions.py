"""Webhook subscriptions made through the API (``POST /api/v1/events/subscriptions``),
kept in one hash in the store so every process's delivery worker finds them beside the
ones in config.yaml (``bot/webhooks/worker.py`` reads them every few seconds).

Each one records when it was made, in the server's clock (``TIME``), which is the clock
the event streams' entry ids are stamped with: a new subscription receives the events
committed from its creation on, never a customer's older backlog.

The store keeps at most ``MAX_SUBSCRIPTIONS``: counted and written in one script call,
so requests made at the same time cannot pass the limit together.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from redis.asyncio import Redis

from bot.store.batching import CommandBatcher
from bot.store.boundary import boundary
from bot.store.keys import Keys
from bot.store.results import as_str
from bot.store.scripts import Script

if TYPE_CHECKING:
    from bot.store.store import Store

#: Subscriptions the API keeps at most (each costs every commit one due mark).
MAX_SUBSCRIPTIONS = 50


class TooManySubscriptions(ValueError):
    """The store holds ``MAX_SUBSCRIPTIONS`` already."""


@dataclass(frozen=True, slots=True)
class StoredSubscription:
    """One API-made subscription. ``id`` names its positions and dead letters."""

    id: str
    url: str
    secret: str
    types: list[str]
    created_ms: int
    #: The API token that made it.
    by: str
    #: Events per request (``SubscriptionSettings.batch``); those stored before it
    #: existed read as 1.
    batch: int = 1

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


@boundary
class SubscriptionStore:
    def __init__(self, redis: Redis, batcher: CommandBatcher, *, keys: Keys) -> None:
        self.redis = redis
        self.key = keys.hooks_subscriptions
        self._add = Script(redis, batcher, "subscription_add", "store a webhook subscription")

    @classmethod
    def of(cls, store: Store) -> SubscriptionStore:
        """The subscriptions kept beside ``store``'s data, on its connection."""
        return cls(store.redis, store.batcher, keys=store.keys)

    async def all(self) -> list[StoredSubscription]:
        """Every stored subscription, oldest first."""
        found = [StoredSubscription(**json.loads(as_str(raw)))
                 for raw in (await self.redis.hgetall(self.key)).values()]
        return sorted(found, key=lambda s: (s.created_ms, s.id))

    async def create(self, *, url: str, secret: str, types: list[str], by: str,
                     batch: int = 1) -> StoredSubscription:
        """Store a new subscription, starting now (the server's clock);
        ``TooManySubscriptions`` when the store holds ``MAX_SUBSCRIPTIONS``."""
        seconds, micros = await self.redis.time()
        made = StoredSubscription(id=f"api-{secrets.token_hex(8)}", url=url, secret=secret,
                                  types=types, created_ms=int(seconds) * 1000 + int(micros)
                                  // 1000, by=by, batch=batch)
        if not await self._add(keys=[self.key],
                               args=[MAX_SUBSCRIPTIONS, made.id, made.to_json()]):
            raise TooManySubscriptions(f"at most {MAX_SUBSCRIPTIONS} subscriptions can be "
                                       "made through the API; delete one first")
        return made

    async def delete(self, subscription_id: str) -> bool:
        """False when there was no such subscription."""
        return bool(await self.redis.hdel(self.key, subscription_id))
