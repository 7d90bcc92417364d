"""Periodic handoff chores: conversations that waited too long go back to the bot,
(with automatic assignment) waiting ones go to operators who came online, and, every
minute or so, queued conversations missing from the queue are put back in it.

Why the last: the queue is a shared view written after the turn that queued the
customer committed (it lives in another hash slot, so not in the same script). A store
failure between the two left the customer "queued" with no operator seeing them, no
timeout and a silent bot. The session is the truth; the sweep repairs the view from it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from bot.errors import StoreError
from bot.handoff.desk import Acting, HandoffDesk
from bot.metrics import Metrics
from bot.model import OperatorAction
from bot.store.modes import sessions_in_mode
from bot.store.store import Store

log = logging.getLogger(__name__)


#: Seconds between two repairs of the queue from the sessions (a SCAN of every session).
REPAIR_SECONDS = 60.0


async def sweep_forever(desk: HandoffDesk, *, act: Acting, stop: asyncio.Event,
                        metrics: Metrics | None = None, store: Store | None = None) -> None:
    timeout = desk.settings.queue_timeout_minutes * 60
    interval = min(15.0, max(timeout / 4, 0.05))
    repaired_at = 0.0
    while not stop.is_set():
        try:
            if store is not None and time.monotonic() - repaired_at >= REPAIR_SECONDS:
                await requeue_missing(desk, store)
                repaired_at = time.monotonic()
            await sweep(desk, act=act, timeout=timeout, store=store)
            if metrics is not None:
                await refresh_gauges(desk, metrics)
        except StoreError as exc:  # the loop's boundary: go on
            log.warning("handoff sweep failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def sweep(desk: HandoffDesk, *, act: Acting, timeout: float,
                store: Store | None = None) -> None:
    for customer_id in await desk.queue.overdue(time.time() - timeout):
        await act(customer_id, OperatorAction(id=f"timeout-{uuid.uuid4().hex}",
                                              operator="system", action="timeout"))
    if desk.settings.assignment == "auto":
        waiting = await desk.queue.waiting(limit=20)
        # The assignment rules read the conversation's labels and channel.
        found = await store.overviews(waiting, events=1) if store is not None \
            else [None] * len(waiting)
        for customer_id, overview in zip(waiting, found, strict=True):
            session, profile = (overview[0], overview[1]) if overview else (None, None)
            if not await desk.assign(customer_id, act=act,
                                     labels=profile.tags if profile else (),
                                     channel=session.address.channel
                                     if session and session.address else None):
                break


async def requeue_missing(desk: HandoffDesk, store: Store) -> list[str]:
    """Put back in the queue every conversation whose session is queued but that the
    queue does not hold; returns their customer ids."""
    queued = {customer_id: session
              async for customer_id, session in sessions_in_mode(store, "queued")}
    missing = await desk.queue.missing(list(queued))
    for customer_id in missing:
        handoff = queued[customer_id].handoff
        await desk.queue.add(customer_id,
                             requested_at=handoff.requested_at if handoff else time.time(),
                             priority=handoff.priority if handoff else 0)
    if missing:
        log.warning("put %d queued conversation(s) back in the handoff queue", len(missing))
        await desk.queue.publish({"type": "queue"})
    return missing


async def refresh_gauges(desk: HandoffDesk, metrics: Metrics) -> None:
    """Queue length and conversations by mode, shared by all processes, read from Redis."""
    waiting = await desk.queue.length()
    held = sum((await desk.queue.load(list(desk.operators))).values())
    metrics.handoff_queue.set(waiting)
    metrics.conversations.labels("queued").set(waiting)
    metrics.conversations.labels("human").set(held)
