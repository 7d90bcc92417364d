"""Periodic handoff chores: conversations that waited too long go back to the bot,
(with automatic assignment) waiting ones go to operators who came online, and, every
minute or so, queued conversations missing from the queue are put back in it (the
queue's repair from the sessions: ``bot/handoff/queue_repair.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from bot.errors import StoreError
from bot.handoff.desk import Acting, HandoffDesk
from bot.handoff.queue_repair import repair_queue
from bot.metrics import Metrics
from bot.model import OperatorAction
from bot.store.store import Store

log = logging.getLogger(__name__)


#: Seconds between two repairs of the queue (its unsettled intents; the full check of every
#: session only when this process wins its hourly lease).
REPAIR_SECONDS = 60.0


async def sweep_forever(desk: HandoffDesk, *, act: Acting, stop: asyncio.Event,
                        metrics: Metrics | None = None, store: Store | None = None) -> None:
    timeout = desk.settings.queue_timeout_minutes * 60
    interval = min(15.0, max(timeout / 4, 0.05))
    repaired_at = 0.0
    while not stop.is_set():
        try:
            if store is not None and time.monotonic() - repaired_at >= REPAIR_SECONDS:
                await repair_queue(desk.queue, store)
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


async def refresh_gauges(desk: HandoffDesk, metrics: Metrics) -> None:
    """Queue length and conversations by mode, shared by all processes, read from Redis."""
    waiting = await desk.queue.length()
    held = sum((await desk.queue.load(list(desk.operators))).values())
    metrics.handoff_queue.set(waiting)
    metrics.conversations.labels("queued").set(waiting)
    metrics.conversations.labels("human").set(held)
