"""Sent replies whose "sent" acknowledgement rides on the customer's next script call.

A reply the platform took leaves the outbox with an HDEL of its id and its sending mark
(``lua/sent.lua``, which also claims the next reply). When the reply was its commit's
only one, nothing of this process waits behind it, so that script call is not needed:
the acknowledgement is carried by the customer's next ingest, commit or claim of a
reply (each of those scripts clears the carried ids first), and when none comes within
``delay`` seconds, the due customers' are cleared together: on a single server by one
call of ``lua/sent_many.lua`` for all of them (one customer's alone, and each on a
cluster, where their outboxes live in different slots: a plain HDEL each, pipelined).
Issue 22: one script call fewer for most messages; bench/README.md, "Client side
(session 10)" and "Session 13 (cli22c)".

What it relies on, and why no guarantee moves:
- A reply stays claimed (its sending mark) until acknowledged, so no sender in any
  process sends it again before the outbox's stale time (``_next.lua``): ``delay`` is
  kept to a tenth of it at most, and a failed HDEL is retried after ``delay`` again.
- Order: another reply of the same customer waits behind the claimed one
  (``NoSend.WAIT``); this process's own next script call for the customer clears the
  acknowledgement before its next reply is claimed, another process's sender waits at
  most ``delay`` longer than it used to.
- A crash before the acknowledgement leaves the reply claimed: it is sent again after
  the stale time with the same idempotency key, as a crash between the send and
  ``sent.lua`` always allowed (at least once). A worker acknowledges its doorbell only
  once the customer's acknowledgements are written (``flush``, from
  ``Dispatcher.settled``), as it did when ``sent.lua`` ran before its pump ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any

from bot.errors import StoreError
from bot.store.batching import CommandBatcher
from bot.store.boundary import CLIENT_ERRORS
from bot.store.keys import Keys, OutboxFields
from bot.store.scripts import Script, settled
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)

#: Seconds an acknowledgement may wait for the customer's next script call.
ACK_DELAY = 0.05

#: Customers a ``sent_many.lua`` call clears at the most: a flush of everything pending
#: (at shutdown) is cut into calls that keep the server's other clients waiting little.
PER_SCRIPT_CALL = 256

_NONE: tuple[str, ...] = ()


class DeferredAcks:
    def __init__(self, batcher: CommandBatcher, keys: Keys, *, stale_ms: int,
                 sent_many: Script) -> None:
        self._batcher = batcher
        self._keys = keys
        #: ``lua/sent_many.lua``: the due customers' together, on a single server.
        self._sent_many = sent_many
        #: At most a tenth of the stale time: far from a takeover of the claimed reply.
        self.delay = min(ACK_DELAY, stale_ms / 10_000)
        #: Customer → ids of sent replies not yet cleared from the outbox, in send order.
        self._pending: dict[str, list[str]] = {}
        #: (when due, customer) in the order added: each waits its own ``delay``.
        self._due_at: deque[tuple[float, str]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._flights = TaskTracker("sent-acks")

    def add(self, customer_id: str, delivery_id: str) -> None:
        """``delivery_id`` was sent: clear it with the customer's next call, or soon."""
        pending = self._pending.get(customer_id)
        if pending is None:
            self._pending[customer_id] = [delivery_id]
        else:
            pending.append(delivery_id)
        loop = asyncio.get_running_loop()
        self._due_at.append((loop.time() + self.delay, customer_id))
        if self._timer is None:
            self._timer = loop.call_later(self.delay, self._due)

    def carry(self, customer_id: str) -> tuple[str, ...]:
        """The ids a script call for the customer carries now (``carried`` once answered)."""
        pending = self._pending.get(customer_id)
        return tuple(pending) if pending else _NONE

    def carried(self, customer_id: str, ids: Sequence[str]) -> None:
        """A script call carrying ``ids`` was answered: they are cleared. Removed by value:
        a flush may have taken them meanwhile, and newer ones may have been added."""
        pending = self._pending.get(customer_id)
        if not ids or pending is None:
            return
        for delivery_id in ids:
            if delivery_id in pending:
                pending.remove(delivery_id)
        if not pending:
            del self._pending[customer_id]

    async def flush(self, customer_id: str | None = None) -> None:
        """Write the acknowledgements now (one customer's, or all); raises ``StoreError``
        when the store did not take them (they stay pending and are retried)."""
        await self._flush(self._pending if customer_id is None else (customer_id,))

    async def _flush(self, customers: Iterable[str]) -> None:
        due = {c: ids for c in list(customers) if (ids := self._pending.pop(c, None))}
        if not due:
            return
        items = list(due.items())
        if self._batcher.cluster or len(items) == 1:  # a slot per customer: an HDEL each
            groups = [[item] for item in items]
            calls = [self._clear(c, ids) for c, ids in items]
        else:
            groups = [items[i:i + PER_SCRIPT_CALL]
                      for i in range(0, len(items), PER_SCRIPT_CALL)]
            calls = [self._clear_all(group) for group in groups]
        failed = [(c, ids, answer)
                  for group, answer in zip(groups, await settled(calls), strict=True)
                  if isinstance(answer, BaseException) for c, ids in group]
        loop = asyncio.get_running_loop()
        for failed_customer, ids, _answer in failed:
            self._pending.setdefault(failed_customer, [])[:0] = ids
            self._due_at.append((loop.time() + self.delay, failed_customer))
        if failed:
            self._arm()
            error = failed[0][2]
            if not isinstance(error, CLIENT_ERRORS):
                raise error
            raise StoreError(f"could not clear sent replies: {error}") from error

    def _clear(self, customer_id: str, ids: Sequence[str]) -> Awaitable[Any]:
        outbox = self._keys.customer(customer_id).outbox
        return self._batcher.execute("HDEL", outbox, *ids,
                                     *(OutboxFields.MARK + i for i in ids))

    def _clear_all(self, due: Sequence[tuple[str, list[str]]]) -> Awaitable[Any]:
        keys = [self._keys.customer(c).outbox for c, _ids in due]
        args = [arg for _c, ids in due for arg in (len(ids), *ids)]
        return self._sent_many(keys=keys, args=args)

    def _arm(self) -> None:
        if self._timer is None and self._due_at:
            self._timer = asyncio.get_running_loop().call_at(self._due_at[0][0], self._due)

    def _due(self) -> None:
        """The acknowledgements that waited ``delay`` are written, the others wait on."""
        self._timer = None
        now = asyncio.get_running_loop().time() + 0.001  # a timer may run a hair early
        customers = []
        while self._due_at and self._due_at[0][0] <= now:
            customers.append(self._due_at.popleft()[1])
        self._arm()
        if customers:
            self._flights.spawn(self._flush_logged(customers), name="sent-acks")

    async def _flush_logged(self, customers: list[str]) -> None:
        try:
            await self._flush(customers)
        except StoreError as exc:  # retried after the delay (armed by ``flush``)
            log.warning("sent replies not yet cleared from the outbox, retrying: %s", exc)

    async def close(self) -> None:
        """Write what is pending (best effort: unwritten, the replies are sent again after
        the stale time, as after a crash)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due_at.clear()
        try:
            await self.flush()
        except StoreError as exc:
            log.warning("at shutdown: %s", exc)
        await self._flights.drain(5)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
