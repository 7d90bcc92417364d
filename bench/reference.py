"""The ceiling: the same form with no framework at all (issue 22, target 2).

Per message: parse the platform's JSON body, one read of the customer's state, one step of
a hand-written state machine, one write of the new state, the reply text built. Every
command goes over one pipelined connection (``bot.store.wire.WireConnection``: hiredis
packing and parsing, one ``transport.write`` per event-loop tick for all the commands the
customers in flight issued in it). No dedupe, no inbox, no lease, no compare-and-set, no
history, no outbox: what is left is the least a Python process can do per message on this
machine, so ours as a fraction of it says how close to the ceiling the guarantees run.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from redis.asyncio import Redis

from bench.drive import drive, everyone
from bench.form import SUMMARY_PREFIX, script
from bench.ours import RunResult
from bench.server import snapshot
from bot.store.wire import Endpoint, WireConnection


class TickBatch:
    """Commands issued in one event-loop tick, written together on one connection."""

    def __init__(self, connection: WireConnection) -> None:
        self.connection = connection
        self.commands: list[tuple[Any, ...]] = []
        self.futures: list[asyncio.Future[Any]] = []
        self.round_trips = 0
        self._loop = asyncio.get_running_loop()

    def call(self, *command: Any) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = self._loop.create_future()
        if not self.commands:
            self._loop.call_soon(self._flush)
        self.commands.append(command)
        self.futures.append(future)
        return future

    def _flush(self) -> None:
        self.round_trips += 1
        commands, futures = self.commands, self.futures
        self.commands, self.futures = [], []
        self.connection.send(commands, futures)


def step(state: dict[str, Any], text: str) -> str:
    """The form of ``bench/form.py`` by hand: changes ``state``, returns the reply."""
    asking = state.get("ask")
    if text == "/start" or asking is None:
        state.clear()
        state["ask"] = "name"
        return "What's your name?"
    if asking == "name":
        state["name"], state["ask"] = text, "age"
        return "How old are you?"
    if asking == "age":
        if not text.isdigit():
            return "Please type a number."
        state["age"], state["ask"] = int(text), "city"
        return "Which city do you live in?"
    reply = f"{SUMMARY_PREFIX}{state.get('name')}, {state.get('age')}, from {text}."
    state.clear()
    return reply


class ReferenceBench:
    """The no-framework bot, driven like the others (``bench/drive.py``)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = Redis.from_url(url)
        self._batch: TickBatch | None = None
        self.summaries = 0

    async def _handle(self, body: bytes) -> str:
        assert self._batch is not None
        update = json.loads(body)
        key = "ref:" + update["user"]
        raw = await self._batch.call("GET", key)
        state = json.loads(raw) if raw else {}
        reply = step(state, update["text"])
        await self._batch.call("SET", key, json.dumps(state))
        return reply

    async def _customer(self, index: int, latencies: list[float]) -> None:
        user = f"u{index}"
        for text in script(index):
            body = json.dumps({"user": user, "text": text}).encode()
            t0 = time.perf_counter()
            reply = await self._handle(body)
            latencies.append((time.perf_counter() - t0) * 1000)
            if reply.startswith(SUMMARY_PREFIX):
                self.summaries += 1

    async def run(self, customers: range, inflight: int, *, passes: int = 1) -> RunResult:
        if self._batch is None:
            db = int(self.url.rsplit("/", 1)[1])
            port = int(self.url.rsplit(":", 1)[1].split("/")[0])
            self._batch = TickBatch(await WireConnection.open(Endpoint(port=port, db=db)))
        await self.admin.flushdb(asynchronous=False)
        self.summaries = 0
        await self.admin.config_resetstat()
        before = await snapshot(self.admin)
        trips0 = self._batch.round_trips
        driven = await drive(self._customer, customers, inflight, passes)
        after = await snapshot(self.admin)
        return RunResult("reference", len(everyone(customers, passes)),
                         len(driven.latencies_ms), driven.wall, driven.cpu,
                         driven.latencies_ms, after.minus(before),
                         self._batch.round_trips - trips0, self.summaries, passes=passes)

    async def close(self) -> None:
        if self._batch is not None:
            self._batch.connection.close()
        await self.admin.aclose()
