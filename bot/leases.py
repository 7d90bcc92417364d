"""Keeping the leases of long turns alive.

A turn runs under its customer's lease (see bot/store/lua/commit.lua). A turn that holds
it for a third of its length (a slow API call in a step) has it extended, so it is not
mistaken for a dead one and taken over. One timer serves every turn of the process and
runs only while turns do: a turn costs a dict entry, where a timer of its own cost a
timer armed and cancelled per turn (measured on the message path, bench/).
"""

from __future__ import annotations

import asyncio
import logging

from bot.errors import StoreError
from bot.store.results import Claim
from bot.store.store import Store
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Extends the lease of every turn that has held it for ``store.lease_ms / 3`` since
    it was taken or last renewed. Checked every sixth of a lease, so a lease is renewed
    at the latest halfway through."""

    def __init__(self, store: Store, tasks: TaskTracker) -> None:
        self.store = store
        self.tasks = tasks
        self.interval = store.lease_ms / 3000
        #: Running turns by lease token: the claim, and when its lease was last renewed.
        self._turns: dict[str, tuple[Claim, float]] = {}
        self._timer: asyncio.TimerHandle | None = None

    def hold(self, claim: Claim) -> None:
        """A turn under ``claim`` starts (its lease was just taken or renewed)."""
        loop = asyncio.get_running_loop()
        self._turns[claim.token] = (claim, loop.time())
        if self._timer is None:
            self._timer = loop.call_later(self.interval / 2, self._tick)

    def release(self, claim: Claim) -> None:
        """The turn under ``claim`` is over."""
        self._turns.pop(claim.token, None)

    def _tick(self) -> None:
        if not self._turns:
            self._timer = None  # idle: the next turn arms it again
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        for token, (claim, renewed) in list(self._turns.items()):
            if now - renewed >= self.interval:
                self._turns[token] = (claim, now)
                self.tasks.spawn(self._extend(claim), name=f"lease:{claim.customer_id}")
        self._timer = loop.call_later(self.interval / 2, self._tick)

    async def _extend(self, claim: Claim) -> None:
        try:
            if not await self.store.extend(claim):
                log.warning("a long turn lost its lease; its commit will be refused")
        except StoreError as exc:
            log.warning("could not extend a lease: %s", exc)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
