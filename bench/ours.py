"""Omnicanal in process: store → pipeline → dialogue → commit → dispatch → collecting
connector, N customers through the form, at most ``inflight`` customers active."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field

from redis.asyncio import Redis

from bench.counting import Counter, counting_client
from bench.drive import drive, everyone
from bench.events import EventsBench
from bench.form import SUMMARY_PREFIX, form, script
from bench.server import ServerStats, snapshot
from bot.channels import SendContext, SendReceipt
from bot.dialogue import DialogueEngine
from bot.dispatch import Dispatcher
from bot.messages import Identity, Inbound, Outbound, text_of
from bot.pipeline import Pipeline
from bot.store.store import Store
from connectors.collecting import CollectingConnector


class Replies:
    """Per-customer reply tracking shared by the connectors: the highest turn number
    (the delivery id's version prefix) replied to, and the customer waiting for a turn's
    reply (one future per wait: the harness should cost little beside what it measures)."""

    def __init__(self) -> None:
        self.turn: dict[str, int] = defaultdict(int)
        self._waiting: dict[str, tuple[int, asyncio.Future[None]]] = {}
        self.summaries = 0

    def record(self, user_id: str, key: str, text: str) -> None:
        # key: "<customer>.<version:012d>.<reply:03d>.<part>" (bot/dispatch.py)
        version = int(key.split(".")[1])
        if version > self.turn[user_id]:
            self.turn[user_id] = version
        if text.startswith(SUMMARY_PREFIX):
            self.summaries += 1
        waiting = self._waiting.get(user_id)
        if waiting is not None and version >= waiting[0]:
            del self._waiting[user_id]
            if not waiting[1].done():
                waiting[1].set_result(None)

    async def wait_turn(self, user_id: str, version: int) -> None:
        if self.turn[user_id] >= version:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiting[user_id] = (version, future)
        await future


class BenchConnector(CollectingConnector):
    """A collecting connector that keeps no list (bounded memory) and wakes the customer
    whose reply arrived. Like CollectingConnector, it does no network I/O."""

    def __init__(self, *, channel: str, replies: Replies) -> None:
        super().__init__(channel=channel)
        self.replies = replies

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        self.replies.record(to.user_id, key, text_of(message))
        return SendReceipt(platform_message_id=key or None)


@dataclass
class RunResult:
    name: str
    customers: int
    messages: int
    wall: float
    cpu: float
    latencies_ms: list[float]
    server: ServerStats
    round_trips: int
    summaries: int
    #: Passes of the workload in this run (bench/drive.py); ``customers`` counts them all.
    passes: int = 1
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.messages / self.wall if self.wall else 0.0


class OursBench:
    """One pipeline on its own connection pool, reused across rounds (flushed between)."""

    def __init__(self, url: str, *, cross_channel: bool = False, prefix: str = "u",
                 events: bool = False, client: Redis | None = None,
                 events_endpoint: str = "process", events_batch: int = 1) -> None:
        #: ``client``: another client than a counting one on ``url`` (a cluster's).
        self.redis: Redis = client if client is not None else counting_client(url)
        self.admin = Redis.from_url(url)
        self.cross = cross_channel
        self.prefix = prefix
        self.replies = Replies()
        self.store = Store(self.redis)
        engine = DialogueEngine([form], default_flow="form")
        channels = ("a", "b") if cross_channel else ("bench",)
        self.connectors = {c: BenchConnector(channel=c, replies=self.replies) for c in channels}
        self.dispatcher = Dispatcher(store=self.store, connectors=self.connectors)
        self.pipeline = Pipeline(store=self.store, engine=engine, dispatcher=self.dispatcher)
        self._round = 0
        #: With ``events``: event webhooks on, delivered to a fast local endpoint.
        self.events = EventsBench(self.store, url, endpoint=events_endpoint,
                                  batch=events_batch) if events else None

    def _identity(self, index: int, message: int) -> Identity:
        channel = ("a" if message < 2 else "b") if self.cross else "bench"
        return Identity(channel=channel, user_id=f"{self.prefix}{index}")

    async def _prepare(self, customers: range) -> None:
        """Before the timing: the cross-channel variant's customers have both identities."""
        if self.cross:
            for i in customers:
                cid = await self.store.resolve(self._identity(i, 0))
                await self.store.assign_identity(self._identity(i, 2), cid)

    async def _customer(self, index: int, latencies: list[float]) -> None:
        user = f"{self.prefix}{index}"
        for n, text in enumerate(script(index)):
            inbound = Inbound(identity=self._identity(index, n),
                              message_id=f"r{self._round}-{index}-{n}", text=text)
            t0 = time.perf_counter()
            await self.pipeline.submit([inbound])
            await self.replies.wait_turn(user, n + 1)
            latencies.append((time.perf_counter() - t0) * 1000)

    async def run(self, customers: range, inflight: int, *, passes: int = 1,
                  name: str = "ours", flush: bool = True) -> RunResult:
        if self.events is not None and self._round == 0:
            await self.events.start()
        self._round += 1
        if flush:
            await self.admin.execute_command("FLUSHDB", "SYNC")
        # Fresh customers each round; the identity cache must not outlive the flush.
        self.store.forget_identities()
        self.replies.turn.clear()
        self.replies.summaries = 0
        all_customers = everyone(customers, passes)
        await self._prepare(all_customers)
        await self.admin.config_resetstat()
        before = await snapshot(self.admin)
        trips0 = self._round_trips()
        mark = await self.events.mark() if self.events is not None else None
        driven = await drive(self._customer, customers, inflight, passes)
        trips = self._round_trips() - trips0
        await self.pipeline.turns.wait_idle()
        await self.dispatcher.senders.wait_idle()
        await self.store.outbox.acks.flush()  # the last replies' clearing, counted too
        extra: dict[str, float] = {}
        wall, cpu = driven.wall, driven.cpu
        if self.events is not None and mark is not None:  # done when delivered too
            extra = await self.events.settle(mark, self.admin, len(driven.latencies_ms))
            wall, cpu = wall + extra["drain_s"], cpu + extra["drain_cpu_s"]
        after = await snapshot(self.admin)
        return RunResult(name, len(all_customers), len(driven.latencies_ms), wall, cpu,
                         driven.latencies_ms, after.minus(before), trips,
                         self.replies.summaries, passes=passes, extra=extra)

    def _round_trips(self) -> int:
        """Writes through redis-py plus the store's batched writes."""
        return Counter.round_trips + self.store.batcher.round_trips

    async def close(self) -> None:
        if self.events is not None:
            await self.events.close()
        await self.pipeline.close(5)
        await self.dispatcher.close(5)
        await self.redis.aclose()
        await self.admin.aclose()
