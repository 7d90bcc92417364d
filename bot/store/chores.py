"""Repairs done by one process at a time, and which processes keep a view alive.

Some repairs read every customer (the handoff queue's full check, the search index's
catch-up): their cost grows with the customers kept, not with the traffic. Run by every
process at every start and every minute, they cost each process about 17,000 reads a
second at 1,000,000 customers (bench/README.md, "Target 4"). So a process runs one only
when it wins the repair's lease (``SET NX PX``); the lease is not given back but lapses,
so the repair runs at most once per lease period across all processes, whichever of them
happen to be running.

``Attendance`` is the other half: which processes hold something in memory that a crash
would lose (the search index's buffer of turns not yet filed). Each writes a heartbeat
and takes it out when it stops cleanly; a heartbeat that went silent is a process that
died with its buffer, and only then is a repair of what it held needed at once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis

from bot.errors import StoreError
from bot.store.boundary import boundary, translates
from bot.store.keys import Keys
from bot.store.results import as_str

T = TypeVar("T")


@boundary
class ChoreLeases:
    def __init__(self, redis: Redis, *, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys

    async def take(self, name: str, seconds: float, *, owner: str = "1") -> bool:
        """True when this process won the lease of chore ``name`` for ``seconds`` (no
        other process won it in the last ``seconds``): it is this process's to do."""
        won = await self.redis.set(self.keys.chore(name), owner, nx=True,
                                   px=max(1, int(seconds * 1000)))
        return bool(won)

    async def drop(self, name: str) -> None:
        """Let the chore be taken again at once (its run failed: another may try)."""
        await self.redis.delete(self.keys.chore(name))

    @translates  # the job's own errors are its own: not this class's to name
    async def run(self, name: str, seconds: float, job: Callable[[], Awaitable[T]],
                  ) -> tuple[bool, T | None]:
        """Run ``job`` when this process wins the lease of chore ``name`` for ``seconds``:
        ``(True, its answer)``, or ``(False, None)`` when it is another's. A job that
        fails with a ``StoreError`` gives the lease back (not done: the next may try)."""
        if not await self.take(name, seconds):
            return False, None
        try:
            return True, await job()
        except StoreError:
            await self.drop(name)
            raise


@boundary
class Attendance:
    """Heartbeats of the processes that keep view ``name`` (a hash: process → ms)."""

    def __init__(self, redis: Redis, *, keys: Keys, name: str) -> None:
        self.redis = redis
        self.key = keys.chore(name)

    async def present(self, member: str) -> None:
        await self.redis.hset(self.key, member, int(time.time() * 1000))

    async def gone(self, *members: str) -> None:
        """Stopped cleanly (or repaired after them): nothing of theirs is lost."""
        if members:
            await self.redis.hdel(self.key, *members)

    async def silent_since(self, before: float) -> list[str]:
        """The processes whose last heartbeat is older than ``before`` (epoch seconds)."""
        beats: Any = await self.redis.hgetall(self.key)
        return sorted(as_str(m) for m, at in beats.items() if int(at) < before * 1000)
