"""The handoff queue, operator presence and workload, and action results, in Redis.

These are shared across customers (not per customer), so they are kept up to date after
each turn commits; the session itself stays the truth about a conversation's mode, and
the console always re-reads it.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator
from typing import Any, NamedTuple

from redis.asyncio import Redis

from bot.store.boundary import boundary
from bot.store.client import pubsub
from bot.store.keys import Keys

LIVE_CHANNEL = "live"
ONLINE_SECONDS = 90


class Intent(NamedTuple):
    """A turn (its lease ``token``) about to commit ``customer_id`` as queued."""

    customer_id: str
    token: str

    @property
    def member(self) -> str:
        return f"{self.token} {self.customer_id}"  # a token has no space

    @classmethod
    def of(cls, member: str) -> Intent:
        token, _, customer_id = member.partition(" ")
        return cls(customer_id, token)


@boundary
class HandoffQueue:
    def __init__(self, redis: Redis, *, keys: Keys, average_handling_minutes: float = 5) -> None:
        self.redis = redis
        self._key = keys.handoff
        self.default_handling = average_handling_minutes * 60

    # -- the queue ------------------------------------------------------------------------

    @staticmethod
    def score(requested_at: float, priority: int) -> float:
        """Waiting time first; each priority step counts as ten minutes of waiting."""
        return requested_at - priority * 600

    async def add(self, customer_id: str, *, requested_at: float, priority: int = 0) -> None:
        await self.redis.zadd(self._key("queue"), {customer_id: self.score(requested_at, priority)})

    async def remove(self, customer_id: str) -> None:
        await self.redis.zrem(self._key("queue"), customer_id)

    async def position(self, customer_id: str) -> int | None:
        rank: Any = await self.redis.zrank(self._key("queue"), customer_id)
        return None if rank is None else int(rank) + 1

    async def ahead_of(self, score: float) -> int:
        """How many wait before a conversation with this score."""
        return int(await self.redis.zcount(self._key("queue"), "-inf", f"({score}"))

    async def waiting(self, limit: int = 200) -> list[str]:
        return _names(await self.redis.zrange(self._key("queue"), 0, limit - 1))

    async def length(self) -> int:
        return int(await self.redis.zcard(self._key("queue")))

    async def missing(self, customer_ids: list[str]) -> list[str]:
        """Those of ``customer_ids`` that are not in the queue."""
        if not customer_ids:
            return []
        scores: Any = await self.redis.zmscore(self._key("queue"), customer_ids)
        return [c for c, score in zip(customer_ids, scores, strict=True) if score is None]

    async def overdue(self, requested_before: float) -> list[str]:
        return _names(await self.redis.zrangebyscore(self._key("queue"), "-inf",
                                                     requested_before))

    # -- intents: turns about to queue a customer (``bot/handoff/queue_repair.py``) ------

    async def intend(self, intent: Intent) -> None:
        """Written before the commit of a turn that queues the customer: the queue lives
        in another hash slot, so this says where to look if its write is lost."""
        await self.redis.zadd(self._key("intents"), {intent.member: time.time()})

    async def settle(self, intent: Intent) -> None:
        """The queue holds what the intent's turn committed (or it never committed)."""
        await self.redis.zrem(self._key("intents"), intent.member)

    async def intents(self, written_before: float, limit: int = 100) -> list[Intent]:
        """The oldest intents written before ``written_before`` and not settled."""
        members = await self.redis.zrangebyscore(self._key("intents"), "-inf",
                                                 written_before, start=0, num=limit)
        return [Intent.of(member) for member in _names(members)]

    # -- operators ------------------------------------------------------------------------

    async def heartbeat(self, operator: str) -> None:
        await self.redis.zadd(self._key("online"), {operator: time.time()})

    async def offline(self, operator: str) -> None:
        await self.redis.zrem(self._key("online"), operator)

    async def online(self) -> set[str]:
        since = time.time() - ONLINE_SECONDS
        return set(_names(await self.redis.zrangebyscore(self._key("online"), since, "+inf")))

    async def hold(self, operator: str, customer_id: str) -> None:
        await self.redis.sadd(self._key(f"active:{operator}"), customer_id)

    async def reserve(self, operator: str, customer_id: str, capacity: int) -> bool:
        """Count the conversation among the operator's if they have room, in one step (a
        read and a later write would let simultaneous takes all fit)."""
        return bool(await self.redis.eval(_RESERVE, 1, self._key(f"active:{operator}"),
                                          customer_id, capacity))

    async def drop(self, operator: str, customer_id: str) -> None:
        await self.redis.srem(self._key(f"active:{operator}"), customer_id)

    async def held_by(self, operator: str) -> set[str]:
        return set(_names(await self.redis.smembers(self._key(f"active:{operator}"))))

    async def load(self, operators: list[str]) -> dict[str, int]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for operator in operators:
                pipe.scard(self._key(f"active:{operator}"))
            counts = await pipe.execute()
        return {o: int(c) for o, c in zip(operators, counts, strict=True)}

    # -- what each operator has read --------------------------------------------------------

    async def mark_read(self, operator: str, customer_id: str, at: float) -> None:
        """The operator has seen the conversation up to ``at`` (they had it open)."""
        await self.redis.hset(self._key(f"read:{operator}"), customer_id, f"{at:.3f}")

    async def read_marks(self, operator: str, customer_ids: list[str]) -> dict[str, float]:
        if not customer_ids:
            return {}
        raw: Any = await self.redis.hmget(self._key(f"read:{operator}"), customer_ids)
        return {c: float(v) for c, v in zip(customer_ids, raw, strict=True) if v is not None}

    # -- expected wait --------------------------------------------------------------------

    async def record_handling(self, seconds: float) -> None:
        """Fold one finished conversation into the average handling time (EWMA), read and
        written in one step: conversations handed back at the same time each count (a
        read and a later write kept only the last of them)."""
        await self.redis.eval(_FOLD_HANDLING, 1, self._key("handling"), f"{seconds:.3f}",
                              f"{self.default_handling:.3f}")

    async def average_handling(self) -> float:
        raw = await self.redis.get(self._key("handling"))
        return float(raw) if raw else self.default_handling

    async def expected_wait_minutes(self, position: int, operators_online: int) -> int:
        per_slot = await self.average_handling()
        # Rounded up: better to answer sooner than promised than later.
        return max(1, math.ceil(position * per_slot / max(operators_online, 1) / 60))

    # -- action results and live updates ------------------------------------------------

    async def put_result(self, action_id: str, result: dict[str, Any]) -> None:
        await self.redis.set(self._key(f"result:{action_id}"), json.dumps(result), ex=120)

    async def wait_result(self, action_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
        """The result of an action applied by whichever process ran its turn."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        key = self._key(f"result:{action_id}")
        while loop.time() < deadline:
            raw = await self.redis.get(key)
            if raw is not None:
                result: dict[str, Any] = json.loads(raw)
                return result
            await asyncio.sleep(0.01)  # another process may apply it: poll, bounded
        return None

    async def publish(self, message: dict[str, Any]) -> None:
        await self.redis.publish(self._key(LIVE_CHANNEL), json.dumps(message))

    @property
    def live_channel(self) -> str:
        return self._key(LIVE_CHANNEL)

    async def listen(self) -> AsyncIterator[str]:
        """The live updates every process publishes, as they come (until the store fails:
        then ``StoreError``, and the caller subscribes again)."""
        async with await pubsub(self.redis) as subscription:
            await subscription.subscribe(self.live_channel)
            async for message in subscription.listen():
                if message.get("type") == "message":
                    data = message["data"]
                    yield data.decode() if isinstance(data, bytes) else str(data)


#: KEYS[1] the average handling time; ARGV the conversation's seconds, the default.
_FOLD_HANDLING = """
local current = tonumber(redis.call('get', KEYS[1])) or tonumber(ARGV[2])
redis.call('set', KEYS[1], string.format('%.1f', current * 0.8 + tonumber(ARGV[1]) * 0.2))
"""

#: KEYS[1] the operator's held set; ARGV customer id, capacity. 1 if held now.
_RESERVE = """
if redis.call('sismember', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('scard', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('sadd', KEYS[1], ARGV[1])
return 1
"""


def _names(members: Any) -> list[str]:
    return [m.decode() if isinstance(m, bytes) else str(m) for m in members]
