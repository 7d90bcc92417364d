"""The hot path's memory of which customer an identity belongs to.

An identity's customer changes only when identities are linked or merged, and those
forget the entry here; everything else may trust it, so a known sender costs no store
round trip before its message is recorded. The ingest script still checks the mapping
(an identity moved by another process answers "moved" and is looked up again).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable


class IdentityCache:
    """identity key → customer id, least recently used first out. Concurrent misses for
    one key share one lookup: a new customer's first messages often arrive together
    (a burst, or a platform redelivering), and each would otherwise create and repair
    the same mapping in the store."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._customers: OrderedDict[str, str] = OrderedDict()
        #: Keys being fetched → the futures of the lookups waiting for that fetch.
        self._waiting: dict[str, list[asyncio.Future[None]]] = {}

    def known(self, key: str) -> str | None:
        """The remembered customer of ``key``, without waiting (the hot path's usual
        case: no coroutine for it)."""
        cached = self._customers.get(key)
        if cached is not None:
            self._customers.move_to_end(key)
        return cached

    async def lookup(self, key: str, fetch: Callable[[], Awaitable[str]]) -> tuple[str, bool]:
        """The customer of ``key``, and True when it came from ``fetch`` (the store) rather
        than from memory: the caller then makes sure the customer lists the identity."""
        while True:
            cached = self.known(key)
            if cached is not None:
                return cached, False
            waiting = self._waiting.get(key)
            if waiting is None:
                break
            # Then look again: remembered, or (the fetch failed) fetch it ourselves. Each
            # waiter has its own future (cancelling one cancels no other), which is less
            # work than shielding one shared future for each of them.
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            waiting.append(waiter)
            await waiter
        waiting = self._waiting[key] = []
        try:
            customer_id = await fetch()
            self.remember(key, customer_id)
            return customer_id, True
        finally:
            del self._waiting[key]
            for waiter in waiting:
                if not waiter.done():
                    waiter.set_result(None)

    def remember(self, key: str, customer_id: str) -> None:
        self._customers[key] = customer_id
        if len(self._customers) > self.size:
            self._customers.popitem(last=False)

    def forget(self, key: str) -> None:
        self._customers.pop(key, None)

    def clear(self) -> None:
        self._customers.clear()
