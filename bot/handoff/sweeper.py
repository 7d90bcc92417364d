"""Periodic handoff chores: conversations that waited too long go back to the bot, and
(with automatic assignment) waiting ones go to operators who came online."""

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

log = logging.getLogger(__name__)


async def sweep_forever(desk: HandoffDesk, *, act: Acting, stop: asyncio.Event,
                        metrics: Metrics | None = None) -> None:
    timeout = desk.settings.queue_timeout_minutes * 60
    interval = min(15.0, max(timeout / 4, 0.05))
    while not stop.is_set():
        try:
            await sweep(desk, act=act, timeout=timeout)
            if metrics is not None:
                await refresh_gauges(desk, metrics)
        except StoreError as exc:  # the loop's boundary: go on
            log.warning("handoff sweep failed: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)


async def sweep(desk: HandoffDesk, *, act: Acting, timeout: float) -> None:
    for customer_id in await desk.queue.overdue(time.time() - timeout):
        await act(customer_id, OperatorAction(id=f"timeout-{uuid.uuid4().hex}",
                                              operator="system", action="timeout"))
    if desk.settings.assignment == "auto":
        for customer_id in await desk.queue.waiting(limit=20):
            if not await desk.assign(customer_id, act=act):
                break


async def refresh_gauges(desk: HandoffDesk, metrics: Metrics) -> None:
    """Queue length and conversations by mode, shared by all processes, read from Redis."""
    waiting = await desk.queue.length()
    held = sum((await desk.queue.load(list(desk.operators))).values())
    metrics.handoff_queue.set(waiting)
    metrics.conversations.labels("queued").set(waiting)
    metrics.conversations.labels("human").set(held)
