"""A worker process's loop: take doorbells from the work stream, run the customer's turns,
wait for their replies to be handed to the platforms, then acknowledge.

A crash anywhere before the acknowledgement leaves the doorbell pending; another worker
reclaims it after ``idle_ms`` (longer than a lease, so a live but slow worker is never
robbed) and finishes the work: waiting messages are still in the inbox, unsent replies
still in the outbox. SIGTERM stops reading, finishes what is in flight (bounded), and
leaves the rest pending for the others.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.errors import StoreError
from bot.pipeline import Pipeline
from bot.store.results import Claim
from bot.store.work import WorkStream
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, *, stream: WorkStream, pipeline: Pipeline, consumer: str,
                 idle_ms: int, concurrency: int = 64, batch: int = 64) -> None:
        self.stream = stream
        self.pipeline = pipeline
        self.consumer = consumer
        self.idle_ms = idle_ms
        self.batch = batch
        self._slots = asyncio.Semaphore(concurrency)
        #: Each doorbell's work runs on a parked task (``TaskTracker.run``), not a new one.
        self._handling = TaskTracker("work", parked=concurrency)

    async def run(self, stop: asyncio.Event, *, drain_timeout: float = 10.0) -> None:
        await self.stream.ensure_group()
        last_reclaim = 0.0
        while not stop.is_set():
            try:
                entries: list[tuple[str, str, bool]] = []
                if time.monotonic() - last_reclaim > self.idle_ms / 2000:
                    last_reclaim = time.monotonic()
                    orphans = await self.stream.reclaim(self.consumer, count=self.batch,
                                                        min_idle_ms=self.idle_ms)
                    entries += [(i, c, True) for i, c in orphans]
                fresh = await self.stream.read(self.consumer, count=self.batch, block_ms=250)
                entries += [(i, c, False) for i, c in fresh]
            except StoreError as exc:  # the loop's boundary: back off, go on
                log.warning("work stream unavailable: %s", exc)
                await asyncio.sleep(0.5)
                continue
            for entry_id, customer_id, reclaimed in entries:
                await self._slots.acquire()
                self._handling.run(self._handle(entry_id, customer_id, reclaimed))
        await self._handling.drain(drain_timeout)

    async def _handle(self, entry_id: str, customer_id: str, reclaimed: bool) -> None:
        try:
            if customer_id:
                outcome = await self.pipeline.store.claim(customer_id)
                if isinstance(outcome, Claim):
                    await self.pipeline.drain(outcome)
                # A lease held elsewhere is fine: its holder drains the inbox, and its own
                # doorbell stays pending until it has.
                dispatcher = self.pipeline.dispatcher
                if reclaimed or customer_id in dispatcher.stranded:
                    dispatcher.stranded.discard(customer_id)
                    await self.pipeline.resend_pending(customer_id)
                await dispatcher.settled(customer_id)
                if customer_id in dispatcher.stranded:
                    return  # not acknowledged: reclaimed and retried once the store is back
            await self.stream.ack(entry_id)
        except StoreError as exc:
            log.warning("work for a customer left pending (another worker will retry): %s", exc)
        finally:
            self._slots.release()
