"""``ConnectorState`` on Redis: a namespaced key-value space per connector."""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.asyncio import Redis

from bot.errors import StoreError
from bot.store.boundary import CLIENT_ERRORS, boundary, translates
from bot.store.client import pubsub
from bot.store.keys import Keys
from bot.store.scripts import load_script, now_ms

_HOLD = load_script("hold")
_TAKE = load_script("take")


@boundary
class RedisConnectorState:
    def __init__(self, redis: Redis, *, keys: Keys, connector: str) -> None:
        self._redis = redis
        self._keys = keys
        self._connector = connector
        self._hold = redis.register_script(_HOLD)
        self._take = redis.register_script(_TAKE)

    def _key(self, key: str) -> str:
        return self._keys.connector_state(self._connector, key)

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(self._key(key))
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, key: str, value: str, *, ttl_seconds: int | None = None) -> None:
        await self._redis.set(self._key(key), value, ex=ttl_seconds)

    async def put_if_absent(self, key: str, value: str) -> str:
        full = self._key(key)
        if await self._redis.set(full, value, nx=True):
            return value
        stored = await self._redis.get(full)
        return stored.decode() if isinstance(stored, bytes) else str(stored)

    async def append(self, key: str, value: str, *, ttl_seconds: int, max_items: int) -> None:
        full = self._key(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(full, value)
            pipe.ltrim(full, -max_items, -1)
            pipe.expire(full, ttl_seconds)
            await pipe.execute()

    async def take_all(self, key: str) -> list[str]:
        full = self._key(key)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.lrange(full, 0, -1)
                pipe.delete(full)
                items, _ = await pipe.execute()
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not take {key!r}: {exc}") from exc
        return [item.decode() for item in items]

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(self._key(key))
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not delete {key!r}: {exc}") from exc

    async def take(self, key: str, *, capacity: int, refill_seconds: float) -> bool:
        try:
            return bool(await self._take(keys=[self._key(key)], args=[
                capacity, max(int(refill_seconds * 1000), 1), now_ms()]))
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not take from {key!r}: {exc}") from exc

    @translates
    async def hold(self, key: str, holder: str, *, ttl_seconds: float) -> bool:
        try:
            return bool(await self._hold(keys=[self._key(key)],
                                         args=[holder, int(ttl_seconds * 1000)]))
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not hold {key!r}: {exc}") from exc

    async def publish(self, channel: str, message: str) -> None:
        await self._redis.publish(self._key(channel), message)

    @translates
    async def listen(self, channel: str) -> AsyncIterator[str]:
        try:
            async with await pubsub(self._redis) as subscription:
                await subscription.subscribe(self._key(channel))
                async for message in subscription.listen():
                    if message.get("type") == "message":
                        data = message["data"]
                        yield data.decode() if isinstance(data, bytes) else str(data)
        except CLIENT_ERRORS as exc:
            raise StoreError(f"listening on {channel!r} failed: {exc}") from exc
