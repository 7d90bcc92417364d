"""When reminders are due, for every process at once: one sorted set of
``<customer>:<reminder id>`` scored by the due time (ms), with a hash tag of its own so
the claim script touches one key (one slot on a Redis Cluster).

The session holds the truth (``Session.reminders``: what is still to be sent); this index
only says when to look. It is written *before* the turn that schedules a reminder commits,
so a crash in between leaves an entry that points at nothing (its turn finds no reminder
and sends nothing), never a reminder that nothing would wake.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.store.batching import CommandBatcher
from bot.store.boundary import boundary, translates
from bot.store.keys import Keys
from bot.store.results import as_str
from bot.store.scripts import Script, now_ms


@boundary
class ReminderIndex:
    def __init__(self, redis: Redis, batcher: CommandBatcher, keys: Keys) -> None:
        self.redis = redis
        self.key = keys.reminders_due
        self._claim = Script(redis, batcher, "claim_due", "claim due reminders")

    async def schedule(self, customer_id: str, reminder_id: str, due: float) -> None:
        await self.redis.zadd(self.key, {f"{customer_id}:{reminder_id}": int(due * 1000)})

    @translates
    async def claim(self, *, claim_seconds: float, limit: int = 100) -> list[tuple[str, str]]:
        """Reminders due now, claimed for this process for ``claim_seconds``:
        (customer, reminder id) pairs."""
        members = await self._claim(keys=[self.key],
                                    args=[now_ms(), int(claim_seconds * 1000), limit])
        pairs = []
        for member in members:
            customer_id, _, reminder_id = as_str(member).rpartition(":")
            pairs.append((customer_id, reminder_id))
        return pairs

    async def done(self, customer_id: str, reminder_id: str) -> None:
        """Queued in the customer's inbox (or cancelled): no longer to be woken."""
        await self.redis.zrem(self.key, f"{customer_id}:{reminder_id}")

    async def forget(self, customer_id: str) -> int:
        """Drop every entry of the customer (they are erased); how many went."""
        members = [m async for m in self.redis.zscan_iter(self.key, match=f"{customer_id}:*")]
        names = [as_str(member) for member, _score in members]
        return int(await self.redis.zrem(self.key, *names)) if names else 0

    async def due_at(self, customer_id: str, reminder_id: str) -> float | None:
        score = await self.redis.zscore(self.key, f"{customer_id}:{reminder_id}")
        return None if score is None else float(score) / 1000
