"""Event webhooks in the benchmark: one subscription to a fast endpoint on 127.0.0.1
(``bench/receiver.py``: checks the signature, answers 204), delivered by the real
``EventDeliverer`` in the bench's process, on a Redis client of its own: its round trips
are not the message path's (the harness counts the pipeline's; the deliverer's are
reported apart), while its CPU and server commands count in full.

The receiver runs in a process of its own by default (``endpoint="process"``): its CPU
is the business's, measured apart; ``"inline"`` serves it in the bench's process, as
the benchmark did until session 9 (its CPU then counts as ours). A run with events is
over when its events are delivered too (``drain``): delivery that lags behind the turns
is part of the cost, not work left for the next run."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bench.http_bench import cpu_seconds
from bench.receiver import PATH, Receipts, receiver_app
from bot.config.events import EventsSettings
from bot.store.batching import CommandBatcher
from bot.store.embedded import free_port
from bot.store.hooks import EventOutbox
from bot.store.store import Store
from bot.webhooks.events import BusinessEvents
from bot.webhooks.worker import EventDeliverer

SECRET = "bench-webhook-secret"


class EventsBench:
    """Turns events on in ``store`` and delivers them until ``close``."""

    def __init__(self, store: Store, url: str, *, endpoint: str = "process",
                 batch: int = 1) -> None:
        if endpoint not in ("process", "inline"):
            raise ValueError(f"endpoint must be 'process' or 'inline', not {endpoint!r}")
        self.store = store
        self.redis_url = url
        self.endpoint = endpoint
        self.batch = batch
        self.base = ""
        self._runner: web.AppRunner | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._redis: Redis | None = None
        self._http: aiohttp.ClientSession | None = None
        self.deliverer: EventDeliverer | None = None

    async def start(self) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        if self.endpoint == "inline":
            self._runner = web.AppRunner(receiver_app(SECRET, Receipts()), access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", port).start()
        else:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bench.receiver", str(port), SECRET],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            assert self._process.stdout is not None
            line = await asyncio.wait_for(
                asyncio.to_thread(self._process.stdout.readline), 60)
            if not line.startswith(b"READY"):
                raise RuntimeError(f"the events receiver did not start: {line!r}")
        self._http = aiohttp.ClientSession()
        subscription: dict[str, object] = {"url": self.base + PATH, "secret": SECRET,
                                           "name": "bench"}
        if self.batch > 1:  # the opt-in, unknown to versions before session 9
            subscription["batch"] = self.batch
        settings = EventsSettings(subscriptions=[subscription], concurrency=32)
        self.store.enable_events(subscriptions=["bench"], lease_seconds=60,
                                 source=BusinessEvents())
        self._redis = Redis.from_url(self.redis_url)
        outbox = EventOutbox(self._redis, CommandBatcher(self._redis), self.store.keys,
                             subscriptions=["bench"], lease_ms=60_000)
        self.deliverer = EventDeliverer(outbox=outbox, settings=settings, poll_seconds=0.05)
        self._task = asyncio.create_task(self.deliverer.run(self._stop))

    async def receipts(self) -> Receipts:
        """What the endpoint has received so far."""
        assert self._http is not None, "start() first"
        async with self._http.get(self.base + "/stats") as answer:
            return Receipts(**await answer.json())

    def receiver_cpu(self) -> float | None:
        """The receiver process's CPU seconds so far (None: inline, it is ours)."""
        return cpu_seconds(self._process.pid) if self._process is not None else None

    def round_trips(self) -> int:
        """The deliverer's batched writes (its failure paths, unused here, go through
        redis-py uncounted)."""
        assert self.deliverer is not None, "start() first"
        return self.deliverer.outbox.batcher.round_trips

    async def drain(self, admin: Redis) -> None:
        """Until every committed event is delivered: nothing due, nothing in flight."""
        assert self.deliverer is not None, "start() first"
        due = self.store.keys.hooks_due
        while True:
            await self.deliverer.deliveries.wait_idle()
            if not await admin.zcard(due):
                return
            await asyncio.sleep(0.002)  # due and not claimed yet: the next claim is near

    async def mark(self) -> tuple[Receipts, int, float | None]:
        """Where the counters stand before a timed run (for ``settle``)."""
        return await self.receipts(), self.round_trips(), self.receiver_cpu()

    async def settle(self, mark: tuple[Receipts, int, float | None], admin: Redis,
                     messages: int) -> dict[str, float]:
        """After the run's last reply: drain, and the run's per-message delivery figures,
        with the drain's wall and CPU seconds (``drain_s``, ``drain_cpu_s``)."""
        before, trips, cpu = mark
        lagging = await self.receipts()
        t0, c0 = time.perf_counter(), time.process_time()
        await self.drain(admin)
        drain_s, drain_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        after = await self.receipts()
        cpu_after = self.receiver_cpu()
        n = max(messages, 1)
        figures = {
            "events_per_msg": (after.events - before.events) / n,
            "requests_per_msg": (after.requests - before.requests) / n,
            "undelivered_at_last_reply_per_msg": (after.events - lagging.events) / n,
            "deliverer_round_trips_per_msg": (self.round_trips() - trips) / n,
            "drain_s": drain_s, "drain_cpu_s": drain_cpu_s,
            "forged_requests": float(after.forged - before.forged),
        }
        if cpu is not None and cpu_after is not None:
            figures["receiver_cpu_ms_per_msg"] = (cpu_after - cpu) / n * 1000
        return figures

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=30)
        if self._redis is not None:
            await self._redis.aclose()
