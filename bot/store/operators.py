"""Operator console sessions and failed-login limits, in Redis (``bot/operator/auth.py``
decides who may log in; this only keeps what it must remember).

Failed logins are limited per (operator, address) and per address. An attempt is
reserved (counted) before its password is checked, with one atomic INCR per counter, so
simultaneous guesses cannot all pass a check made before any of them failed; a
successful login gives its reservation back. There is deliberately no per-operator
counter across addresses: that would let anyone lock any operator out by guessing. Each
counter is its own key (one INCR each), so this works unchanged on a Redis Cluster.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.store.boundary import boundary
from bot.store.keys import Keys

_GIVE_BACK = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end
return 0
"""


@boundary
class OperatorSessions:
    """Console logins: the session id → what it was opened for, expiring."""

    def __init__(self, redis: Redis, *, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def open(self, session_id: str, value: str, *, ttl_seconds: int) -> None:
        await self.redis.set(self.keys.operator_session(session_id), value, ex=ttl_seconds)

    async def read(self, session_id: str) -> str | None:
        raw = await self.redis.get(self.keys.operator_session(session_id))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def alive(self, session_id: str) -> bool:
        return bool(await self.redis.exists(self.keys.operator_session(session_id)))

    async def close(self, session_id: str) -> None:
        await self.redis.delete(self.keys.operator_session(session_id))


@boundary
class LoginLimits:
    def __init__(self, redis: Redis, *, keys: Keys, per_pair: int, per_address: int,
                 window_seconds: int) -> None:
        self.redis = redis
        self.keys = keys
        self.per_pair = per_pair
        self.per_address = per_address
        self.window = window_seconds

    async def reserve(self, operator: str, address: str) -> int | None:
        """Count one attempt; None if it may go on, else the seconds until it may."""
        limits = [(self.keys.pair_failures(operator, address), self.per_pair),
                  (self.keys.address_failures(address), self.per_address)]
        async with self.redis.pipeline(transaction=False) as pipe:
            for key, _ in limits:
                pipe.incr(key)
                pipe.expire(key, self.window, nx=True)
            replies = await pipe.execute()
        over = [key for (key, limit), count in zip(limits, replies[::2], strict=True)
                if int(count) > limit]
        if not over:
            return None
        return max([int(await self.redis.ttl(key)) for key in over] + [1])

    async def succeeded(self, operator: str, address: str) -> None:
        """Forget this pair's failures and give the address its reservation back."""
        await self.redis.delete(self.keys.pair_failures(operator, address))
        # Only while the counter lives: a DECR after it expired would leave -1 forever.
        await self.redis.eval(_GIVE_BACK, 1, self.keys.address_failures(address))
