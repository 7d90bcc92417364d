"""What the store holds, compared before and after a request: every key with its type and
size. A request that was refused or ignored must add nothing to it (a value rewritten in
place, such as an operator's heartbeat score, does not change it and is allowed)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from bot.runtime import Runtime

_SIZE = {"string": "strlen", "list": "llen", "set": "scard", "zset": "zcard",
         "hash": "hlen", "stream": "xlen"}
#: Kinds that cannot exist empty: a size of 0 means the key was deleted meanwhile (a visitor's
#: unanswered count is deleted when the reply reaches them, which may land mid-snapshot).
_GONE_WHEN_EMPTY = frozenset({"list", "set", "zset", "hash"})
#: The runtime's own chores (``bot/store/chores.py``: the leases of its repairs, its
#: heartbeats), taken by its background loops whenever they wake: no request writes them.
_CHORES = ":chore:"


async def settled_snapshot(runtime: Runtime, redis: Redis) -> dict[str, tuple[str, int]]:
    """The store once every turn has run and the analytics of earlier examples are
    flushed (they are buffered for a second, and would otherwise land in a later one)."""
    await runtime.settle()
    assert runtime.analytics is not None
    await runtime.analytics.flush()
    return await snapshot(redis)


async def snapshot(redis: Redis) -> dict[str, tuple[str, int]]:
    keys = [key async for key in redis.scan_iter(count=1000)]
    view: dict[str, tuple[str, int]] = {}
    for key in keys:
        kind = await redis.type(key)
        kind = kind.decode() if isinstance(kind, bytes) else str(kind)
        if kind == "none":  # it expired between the scan and now (a limit's bucket)
            continue
        size = await getattr(redis, _SIZE[kind])(key) if kind in _SIZE else 0
        if not size and kind in _GONE_WHEN_EMPTY:  # it went between TYPE and its size
            continue
        view[key.decode() if isinstance(key, bytes) else str(key)] = (kind, int(size))
    return view


def changes(before: dict[str, tuple[str, int]], after: dict[str, tuple[str, int]],
            *, allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """Keys that appeared or changed size, except those containing ``allowed``. A key that
    went is not counted: keys of earlier examples expire meanwhile (a limit's bucket)."""
    found = {key: (before.get(key), value) for key, value in after.items()
             if before.get(key) != value}
    return {k: v for k, v in found.items()
            if _CHORES not in k and not any(a in k for a in allowed)}
