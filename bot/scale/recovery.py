"""The periodic recovery sweep, done by one process of the fleet at a time.

The sweep picks up work that nothing points to any more: a message recorded while the
store failed halfway (on a cluster, its doorbell lost), replies a process that died had
committed but not sent. It finds them by a SCAN of every customer's inbox and outbox
(``Pipeline.recover``), so its cost grows with the customers kept, not with the traffic:
at 100,000 customers about 2,800 SCANs and 0.9 s of the server's CPU a sweep (bench
``bench.repairs``). Run every minute by every worker process, that cost was multiplied by
the number of processes.

Any process can resume any customer (the claim takes the customer's lease; the sends
take their own claims), so one sweep per interval serves the whole fleet: each process
wakes every interval and sweeps only when it wins the sweep's lease (``SET NX PX``, see
``bot/store/chores.py``). The lease is slightly shorter than the interval, so the process
that swept last is not shut out of its own next turn by clock jitter; when it dies, the
lease lapses and the next process to wake sweeps. The longest gap between two sweeps is
under two intervals. The sweep at a process's start is not shared: it resumes what that
process's own previous life left, before it takes new work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.errors import StoreError
from bot.store.chores import ChoreLeases

log = logging.getLogger(__name__)

CHORE = "recovery-sweep"
#: The lease's share of the interval (see the module docstring).
LEASE_SHARE = 0.9


def sweep_interval(lease_seconds: float) -> float:
    """Seconds between two sweeps: every few leases, between 5 s and a minute."""
    return min(max(lease_seconds * 10, 5.0), 60.0)


async def recover_periodically(recover: Callable[[], Awaitable[int]], leases: ChoreLeases, *,
                               interval: float, stopping: asyncio.Event) -> None:
    """Every ``interval`` seconds until ``stopping``, run ``recover`` when this process
    wins the sweep's lease."""
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), interval)
        if stopping.is_set():
            return
        try:
            await leases.run(CHORE, interval * LEASE_SHARE, recover)
        except StoreError as exc:  # the loop's boundary
            log.warning("recovery sweep failed: %s", exc)
