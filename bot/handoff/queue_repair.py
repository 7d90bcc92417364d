"""Keeping the handoff queue true to the sessions when a write to it was lost.

The queue is a shared view written after the turn that queued the customer committed (it
lives in another hash slot, so not in the same script). A store failure between the two
left the customer "queued" with no operator seeing them, no timeout and a silent bot
(finding 15.8). The session is the truth; this repairs the view from it.

Finding them without reading every session (issue 22: that read grew with the customers
kept, in every process, every minute): before the commit of a turn that queues a
customer, the handoff stage writes an *intent* (the turn's lease token and the customer)
to the handoff's ``intents`` sorted set, and settles it once the queue holds the
customer. Each of those writes can be lost, and each loss is repaired:

- the intent's write fails: the turn fails before its commit and runs again;
- the commit fails or is refused: the intent stays; once its turn's lease is gone, the
  repair finds the session not queued and settles it;
- the queue write fails (the finding): the intent stays; the repair finds the session
  queued and not in the queue, puts it back, and settles it;
- the settling fails: the repair finds the queue right and settles it.

An intent is judged only once the lease is no longer its turn's, read before the
session: from then on that turn cannot commit (a commit checks the token), so the
session read after holds whatever it committed. The periodic repair (every minute, in
every process with a desk) therefore reads the unsettled intents only: one command when
there are none, whatever the number of customers.

The full check (``requeue_missing``: a SCAN of every session's mode) stays for what no
intent covers: sessions queued before intents existed, a queue key deleted by hand. It
runs at most once an hour across all processes, by whichever wins its lease
(``bot/store/chores.py``): at the first start among them, then hourly.
"""

from __future__ import annotations

import logging
import time

from bot.model import Session
from bot.store.chores import ChoreLeases
from bot.store.handoff import HandoffQueue
from bot.store.modes import lease_and_session, sessions_in_mode
from bot.store.store import Store

log = logging.getLogger(__name__)

#: Seconds an intent is left to the turn that wrote it (which settles it within a round
#: trip of its commit) before the repair looks at it.
GRACE_SECONDS = 10.0
#: Seconds between two full checks of every session, across all processes.
FULL_CHECK_SECONDS = 3600.0
FULL_CHECK = "handoff-full-check"


async def repair_queue(queue: HandoffQueue, store: Store) -> list[str]:
    """The periodic repair: the unsettled intents, and the full check when it is this
    process's turn. Returns the customers put back in the queue."""
    requeued = await settle_intents(queue, store)
    _, found = await ChoreLeases(store.redis, keys=store.keys).run(
        FULL_CHECK, FULL_CHECK_SECONDS, lambda: requeue_missing(queue, store))
    return requeued + (found or [])


async def settle_intents(queue: HandoffQueue, store: Store, *,
                         grace: float = GRACE_SECONDS) -> list[str]:
    """Judge the intents older than ``grace`` seconds whose turn no longer holds the
    lease: put back in the queue the customers they queued that the queue misses."""
    requeued: list[str] = []
    for intent in await queue.intents(written_before=time.time() - grace):
        token, session = await lease_and_session(store, intent.customer_id)
        if token == intent.token:
            continue  # its turn still runs and may yet commit: judged later
        if session is not None and session.mode == "queued" \
                and await queue.missing([intent.customer_id]) \
                and await _requeue(queue, store, intent.customer_id, session):
            requeued.append(intent.customer_id)
        await queue.settle(intent)
    await _told(queue, requeued)
    return requeued


async def requeue_missing(queue: HandoffQueue, store: Store) -> list[str]:
    """The full check: put back in the queue every conversation whose session is queued
    but that the queue does not hold; returns their customer ids. Reads every session."""
    queued = {customer_id: session
              async for customer_id, session in sessions_in_mode(store, "queued")}
    requeued = [customer_id for customer_id in await queue.missing(list(queued))
                if await _requeue(queue, store, customer_id, queued[customer_id])]
    await _told(queue, requeued)
    return requeued


async def _requeue(queue: HandoffQueue, store: Store, customer_id: str,
                   session: Session) -> bool:
    handoff = session.handoff
    await queue.add(customer_id,
                    requested_at=handoff.requested_at if handoff else time.time(),
                    priority=handoff.priority if handoff else 0)
    # Read again after the write: an operator who took it meanwhile had its entry removed
    # after their commit, maybe before this write; then it must not stay.
    _, now = await lease_and_session(store, customer_id)
    if now is None or now.mode != "queued":
        await queue.remove(customer_id)
        return False
    return True


async def _told(queue: HandoffQueue, requeued: list[str]) -> None:
    if requeued:
        log.warning("put %d queued conversation(s) back in the handoff queue", len(requeued))
        await queue.publish({"type": "queue"})
