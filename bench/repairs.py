"""The repairs that read every customer, as the store grows (issue 22, target 4):
``python -m bench.repairs``.

The load runs (``bench.flatness``) drive the pipeline alone: no desk, no search index, so
they never ran the two repairs whose cost grows with the customers kept, not with the
traffic. This bench runs them on stores of ``--sizes`` finished customers (filled like
``bench.flatness``: copies of one real finished customer, all filed in the search index,
and one queued customer whose queue write was lost), and counts the server's commands
(``INFO commandstats``, inside scripts too), its CPU and the wall time of each, side by
side in one run:

- the handoff queue's repair, every minute in every process with a desk: before, the
  full check of every session (``requeue_missing``, what each minute ran); now, a
  minute's ``repair_queue`` (the unsettled intents; the full check's lease held by
  whichever process ran it within the hour);
- the search index at a process start: before, ``catch_up`` (a version check of every
  session, what each start ran); now, ``SearchIndexer.run``'s start (the heartbeat, no
  process silent, the hour's catch-up done by another).

Both sides must repair the lost queue write: the figures say what each read to do it.
For scale, the SCANs of ``Pipeline.recover`` (every inbox and outbox: at start and every
minute in every process but a web role; not changed here) are counted the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.flatness import fill
from bench.memory import template_customer
from bench.server import BenchServer
from bot.handoff.queue_repair import FULL_CHECK, repair_queue, requeue_missing, settle_intents
from bot.model import HandoffInfo, Session
from bot.search.indexer import CATCH_UP, SearchIndexer
from bot.store.chores import ChoreLeases
from bot.store.handoff import HandoffQueue, Intent
from bot.store.keys import Keys, SessionFields
from bot.store.store import Store

HERE = Path(__file__).resolve().parent
LOST = "lost-queue-write"


async def _counted(redis: Redis, run: Callable[[], Awaitable[object]]) -> dict[str, float]:
    """Commands, server CPU (µs, from commandstats) and wall time of one ``run``."""
    await redis.config_resetstat()
    started = time.perf_counter()
    await run()
    wall = time.perf_counter() - started
    stats = await redis.info("commandstats")
    rows = {k.removeprefix("cmdstat_"): v for k, v in stats.items() if isinstance(v, dict)}
    own = ("info", "config|resetstat")
    return {"commands": sum(int(v["calls"]) for k, v in rows.items() if k not in own),
            "server_us": sum(float(v["usec"]) for k, v in rows.items() if k not in own),
            "wall_s": round(wall, 4)}


async def _store_of(redis: Redis, prefix: str, customers: int) -> tuple[Store, HandoffQueue]:
    """The store as a while of serving leaves it: every customer filed in the search
    index (its document at the session's version), and one customer queued whose queue
    write was lost (their turn's intent unsettled, its lease long gone)."""
    store = Store(redis, keys=Keys(prefix))
    index = store.search_index()
    version = int(await redis.hget(store.keys.customer("bg0").session, SessionFields.VERSION)
                  or 0)
    for first in range(0, customers, 10_000):
        async with redis.pipeline(transaction=False) as pipe:
            for i in range(first, min(first + 10_000, customers)):
                part = store.keys.search_shard(index.shard_of(f"bg{i}"))
                pipe.hset(f"{part}:doc:bg{i}", "v", version)
            await pipe.execute()
    queued = Session(mode="queued", version=1,
                     handoff=HandoffInfo(reason="bench", requested_at=time.time()))
    await redis.hset(store.keys.customer(LOST).session, mapping={
        SessionFields.VERSION: 1, SessionFields.MODE: "queued",
        SessionFields.DATA: queued.model_dump_json()})
    part = store.keys.search_shard(index.shard_of(LOST))
    await redis.hset(f"{part}:doc:{LOST}", "v", 1)
    queue = store.handoff_queue()
    return store, queue


async def measure(redis: Redis, prefix: str, customers: int) -> dict[str, Any]:
    store, queue = await _store_of(redis, prefix, customers)
    leases = ChoreLeases(redis, keys=store.keys)
    rows: dict[str, Any] = {}

    async def lost_again() -> None:
        await queue.remove(LOST)
        await queue.intend(Intent(LOST, "a-turn-long-gone"))

    await lost_again()
    rows["handoff_before"] = await _counted(redis, lambda: requeue_missing(queue, store))
    assert await queue.position(LOST) == 1, "the full check repaired it"
    await lost_again()
    await leases.take(FULL_CHECK, 3600)  # another process ran the hour's full check

    async def a_minute() -> None:
        await settle_intents(queue, store, grace=-1)  # the intent's grace is past
        await repair_queue(queue, store)

    rows["handoff_after"] = await _counted(redis, a_minute)
    assert await queue.position(LOST) == 1, "the intent repaired it"
    indexer = SearchIndexer(store)
    rows["search_start_before"] = await _counted(redis, indexer.catch_up)
    await leases.take(CATCH_UP, 3600)  # another process ran the hour's catch-up
    stop = asyncio.Event()
    stop.set()
    starting = SearchIndexer(store)
    rows["search_start_after"] = await _counted(redis, lambda: starting.run(stop))
    await starting.close()
    rows["recovery_scan_unchanged"] = await _counted(redis, lambda: _recovery_scans(store))
    return rows


async def _recovery_scans(store: Store) -> None:
    """The SCANs of ``Pipeline.recover`` (not changed here): every inbox and outbox, at
    start and every minute in every process but a web role's (``Runtime``)."""
    for pattern in (store.keys.outbox_pattern, store.keys.inbox_pattern):
        async for _ in store.customers_matching(pattern):
            pass


async def main(args: argparse.Namespace) -> dict[str, Any]:
    server = BenchServer()
    server.start()
    try:
        template = await template_customer(server.url(9))
        results: dict[str, Any] = {}
        for db, customers in enumerate(args.sizes):
            redis = Redis.from_url(server.url(db))
            try:
                await fill(redis, template, name="bg", user_prefix="bg",
                           customers=range(customers), history=8)
                results[str(customers)] = await measure(redis, template.prefix, customers)
            finally:
                await redis.flushdb()
                await redis.aclose()
            _log(f"{customers} customers: {results[str(customers)]}")
        return {"sizes": args.sizes, "per_size": results}
    finally:
        server.stop()


def _log(message: str) -> None:
    print(f"[repairs {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.repairs", description=__doc__)
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000],
                   help="customers in the store, one store each")
    p.add_argument("--output", type=Path, default=HERE / "results" / "repairs.json")
    return p.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    document = asyncio.run(main(arguments))
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(document, indent=2))
