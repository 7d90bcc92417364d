"""The analytics counters in Redis: one hash of counters per day, HyperLogLogs for unique
customers, all expiring after ``keep_days`` (``bot/analytics/`` counts and reports; this
only adds and reads back)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redis.asyncio import Redis

from bot.store.boundary import boundary
from bot.store.keys import Keys


@boundary
class AnalyticsCounters:
    def __init__(self, redis: Redis, *, keys: Keys, keep_days: int = 400) -> None:
        self.redis = redis
        self.keys = keys
        self.keep_seconds = keep_days * 86400
        #: ``(day, name)`` → the HyperLogLog of that day's unique customers of a kind.
        self.unique_key = keys.stats_unique

    async def add(self, counts: Mapping[str, Mapping[str, int]],
                  uniques: Mapping[str, set[str]]) -> None:
        """Add counter increments (day → field → amount) and unique members (a
        ``unique_key`` → customer ids), in one pipelined batch."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for day, fields in counts.items():
                key = self.keys.stats_day(day)
                for field, amount in fields.items():
                    pipe.hincrby(key, field, amount)
                pipe.expire(key, self.keep_seconds)
            for key, members in uniques.items():
                pipe.pfadd(key, *members)
                pipe.expire(key, self.keep_seconds)
            await pipe.execute()

    async def days(self, days: Sequence[str]) -> list[dict[str, int]]:
        """Each day's counters."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hgetall(self.keys.stats_day(day))
            raw_days = await pipe.execute()
        return [{_s(k): int(v) for k, v in raw.items()} for raw in raw_days]

    async def count_unique(self, groups: Sequence[Sequence[str]]) -> list[int]:
        """For each group of ``unique_key`` keys, the customers in their union."""
        async with self.redis.pipeline(transaction=False) as pipe:
            # PFCOUNT through execute_command: redis-py's cluster pipeline refuses its
            # pfcount() helper, yet every analytics key shares the {stats} hash tag.
            for group in groups:
                pipe.execute_command("PFCOUNT", *group)
            counted = await pipe.execute()
        return [int(n) for n in counted]


def _s(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
