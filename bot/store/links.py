"""Link codes, redemption attempts and the vouched-phone index, in Redis.

None of these are per-customer, so they have keys of their own: a code's hash → the
customer who asked for it (expiring), failure counters per identity and overall, and a
hash of each platform-vouched phone number → its customer.
"""

from __future__ import annotations

from redis.asyncio import Redis

from bot.store.boundary import boundary
from bot.store.keys import Keys


@boundary
class LinkStore:
    def __init__(
        self,
        redis: Redis,
        *,
        keys: Keys,
        code_ttl_seconds: int = 600,
        attempts_per_identity: int = 5,
        attempts_window_seconds: int = 900,
        attempts_overall_per_minute: int = 300,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.code_ttl = code_ttl_seconds
        self.per_identity = attempts_per_identity
        self.window = attempts_window_seconds
        self.overall = attempts_overall_per_minute

    def _code_key(self, code_hash: str) -> str:
        return self.keys.link_code(code_hash)

    async def save_code(self, code_hash: str, customer_id: str) -> bool:
        """Store a new code's hash (only the hash: the code is a secret) for
        ``customer_id``; False when that hash is taken already (draw another code)."""
        return bool(await self.redis.set(self._code_key(code_hash), customer_id,
                                         ex=self.code_ttl, nx=True))

    async def peek(self, code_hash: str) -> str | None:
        """The customer a code belongs to, without using it up."""
        value = await self.redis.get(self._code_key(code_hash))
        return value.decode() if isinstance(value, bytes) else value

    async def redeem(self, code_hash: str) -> str | None:
        """Use a code up: of two concurrent redemptions, one gets the customer."""
        value = await self.redis.getdel(self._code_key(code_hash))
        return value.decode() if isinstance(value, bytes) else value

    async def allowed(self, identity_key: str) -> bool:
        """Whether this identity may try a code now (wrong tries are counted separately)."""
        # Two GETs, not one MGET: the keys live in different slots on a Redis Cluster.
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(self._fail_key(identity_key))
            pipe.get(self._overall_key())
            mine, overall = await pipe.execute()
        return int(mine or 0) < self.per_identity and int(overall or 0) < self.overall

    async def failed(self, identity_key: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(self._fail_key(identity_key))
            pipe.expire(self._fail_key(identity_key), self.window, nx=True)
            pipe.incr(self._overall_key())
            pipe.expire(self._overall_key(), 60, nx=True)
            await pipe.execute()

    def _fail_key(self, identity_key: str) -> str:
        return self.keys.link_failures(identity_key)

    def _overall_key(self) -> str:
        return self.keys.link_failures()

    # -- vouched phone numbers ------------------------------------------------------------

    def _phone_key(self, e164: str) -> str:
        return self.keys.vouched_phone(e164)

    async def claim_phone(self, e164: str, customer_id: str) -> str:
        """Record that a platform vouched ``e164`` for ``customer_id`` unless another
        customer holds it already; returns the customer that holds it now."""
        key = self._phone_key(e164)
        if await self.redis.set(key, customer_id, nx=True):
            return customer_id
        holder = await self.redis.get(key)
        return holder.decode() if isinstance(holder, bytes) else str(holder)

    async def release_phone(self, e164: str, customer_id: str) -> None:
        """Forget that ``e164`` is ``customer_id``'s (they changed number: whoever has it
        now must not be offered their conversation)."""
        key = self._phone_key(e164)
        holder = await self.redis.get(key)
        if holder is not None and (holder.decode() if isinstance(holder, bytes)
                                   else str(holder)) == customer_id:
            await self.redis.delete(key)

    async def move_phone(self, e164: str, customer_id: str) -> None:
        await self.redis.set(self._phone_key(e164), customer_id)
