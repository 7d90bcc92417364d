"""Failed-login limits in the store: per (operator, address) and per address.

An attempt is reserved (counted) before its password is checked, with one atomic INCR per
counter, so simultaneous guesses cannot all pass a check made before any of them failed;
a successful login gives its reservation back. There is deliberately no per-operator
counter across addresses: that would let anyone lock any operator out by guessing.
Each counter is its own key (one INCR each), so this works unchanged on a Redis Cluster.
"""

from __future__ import annotations

from redis.asyncio import Redis


class LoginLimits:
    def __init__(self, redis: Redis, *, prefix: str, per_pair: int, per_address: int,
                 window_seconds: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.per_pair = per_pair
        self.per_address = per_address
        self.window = window_seconds

    def _pair(self, operator: str, address: str) -> str:
        return f"{self.prefix}:operator:failpair:{operator}:{address}"

    def _address(self, address: str) -> str:
        return f"{self.prefix}:operator:failip:{address}"

    async def reserve(self, operator: str, address: str) -> int | None:
        """Count one attempt; None if it may go on, else the seconds until it may."""
        limits = [(self._pair(operator, address), self.per_pair),
                  (self._address(address), self.per_address)]
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
        await self.redis.delete(self._pair(operator, address))
        # Only while the counter lives: a DECR after it expired would leave -1 forever.
        await self.redis.eval(_GIVE_BACK, 1, self._address(address))


_GIVE_BACK = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end
return 0
"""
