"""``python -m bench.desk``: the operator desk at scale (issue 20), measured over HTTP.

Fills a private Valkey with ``--customers`` customers (each with a profile, an identity
and ``--events`` history events: 100,000 x 10 = 1,000,000 by default), ``--queued`` of
them waiting in the queue, and one with a 2,000-event history; files them all in the
search index; then, against a running bot, times the queue view, searches and opening
the long conversation, each ``--runs`` times, and prints the medians and 95th
percentiles (and writes them to bench/results/desk.json). The store is filled with
pipelined writes of the same keys and JSON the runtime writes (``bot/store/``), and the
index with the same terms the indexer computes (``bot/search/terms.py``): far faster
than a million turns, and the same data to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.server import BenchServer
from bench.stats import median
from bot.config import parse_settings
from bot.handoff.passwords import hash_password
from bot.messages import Identity
from bot.model import Event, EventKind, HandoffInfo, Profile, Session
from bot.runtime import Runtime
from bot.search import terms as t
from bot.store.history_codec import dump_event
from bot.store.keys import Keys, SessionFields
from bot.store.search import SearchIndex

HERE = Path(__file__).resolve().parent
PASSWORD = "bench operator password"
WORDS = ("delivery", "refund", "parcel", "broken", "screen", "invoice", "address", "late",
         "umbrella", "battery", "exchange", "warranty", "colour", "size", "discount")
NAMES = ("Ana", "Bo", "Carla", "Diego", "Elena", "Farid", "Greta", "Hugo", "Iris", "Jon")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.desk", description=__doc__)
    p.add_argument("--customers", type=int, default=100_000)
    p.add_argument("--events", type=int, default=10, help="history events per customer")
    p.add_argument("--queued", type=int, default=10_000)
    p.add_argument("--long", type=int, default=2000, help="events of the long conversation")
    p.add_argument("--runs", type=int, default=20)
    return p.parse_args(argv)


def customer(n: int, events: int, now: float) -> tuple[str, Profile, list[Event], Identity]:
    rng = random.Random(n)
    cid = f"{n:016x}"
    name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son{n % 1000}"
    profile = Profile(name=name, email=f"user{n}@example.com", phone=f"+3460{n:07d}")
    identity = Identity(channel=rng.choice(("whatsapp", "telegram", "webchat")),
                        user_id=str(700_000_000 + n))
    at = now - rng.uniform(0, 30 * 86400)
    history = []
    for i in range(events):
        words = " ".join(rng.sample(WORDS, 3))
        text = f"order A-{n}: {words}" if i == 0 else words
        kind: EventKind = "inbound" if i % 2 == 0 else "outbound"
        history.append(Event(kind=kind, at=at + i, channel=identity.channel,
                             identity=identity.key if kind == "inbound" else None, text=text))
    return cid, profile, history, identity


async def fill(redis: Any, keys: Keys, index: SearchIndex, args: argparse.Namespace) -> str:
    """Write every customer; return the id of the one with the long history."""
    now = time.time()
    batch = 500
    queue = keys.handoff("queue")
    for start in range(0, args.customers, batch):
        filings = []
        async with redis.pipeline(transaction=False) as pipe:
            for n in range(start, min(start + batch, args.customers)):
                events = args.long if n == 0 else args.events
                cid, profile, history, identity = customer(n, events, now)
                queued = 0 < n <= args.queued
                session = Session(address=identity, mode="queued" if queued else "bot",
                                  handoff=HandoffInfo(reason="asked",
                                                      requested_at=now - n / 100)
                                  if queued else None)
                ck = keys.customer(cid)
                pipe.hset(ck.session, mapping=SessionFields.mapping(
                    len(history), session.model_dump_json(), profile.model_dump_json(),
                    session.mode))
                pipe.rpush(ck.events, *map(dump_event, history))
                pipe.hset(ck.identities, identity.key, int(now * 1000))
                pipe.set(keys.identity(identity.key), cid)
                if queued:
                    pipe.zadd(queue, {cid: now - n / 100})
                terms = t.customer_terms(cid) | t.profile_terms(profile) \
                    | t.identity_terms(identity.key)
                for event in history:
                    terms |= t.event_terms(event)
                filings.append(index.file(
                    cid, from_version=None, to_version=len(history), at=history[-1].at,
                    terms=terms, facets={"ch": [identity.channel],
                                         "status": [t.status_of(session, False)]}))
            await pipe.execute()
        await asyncio.gather(*filings)
        if start % 10_000 == 0:
            print(f"  filled {start + batch:,} customers", flush=True)
    return f"{0:016x}"


async def timed(http: aiohttp.ClientSession, url: str, runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        async with http.get(url) as response:
            body = await response.json()
            if response.status != 200:
                return {"error": f"{response.status}: {body}"}
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    items = len(body.get("items", body.get("transcript", [])))
    return {"median_ms": round(median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
            "items": items}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    server = BenchServer()
    server.start()
    try:
        settings = parse_settings({
            "store": {"url": server.url(), "history_limit": max(args.long, 2000)},
            "server": {"port": 0},
            "connectors": {"webchat": {"enabled": True}},
            "flows": {"modules": ["flows.store_assistant"]},
            # No timeouts during the run: the sweeper would turn the queue back to the bot.
            "handoff": {"queue_timeout_minutes": 7 * 24 * 60, "operators": [
                {"id": "sam", "role": "supervisor", "password_hash": hash_password(PASSWORD)}]},
        }, env={})
        async with Runtime(settings) as runtime:
            assert runtime.server is not None and runtime.indexer is not None
            started = time.perf_counter()
            long_id = await fill(runtime.store.redis, runtime.store.keys,
                                 runtime.indexer.index, args)
            filled = time.perf_counter() - started
            info = await runtime.store.redis.info("memory")
            base = f"{runtime.server.url}/operator/api"
            jar = aiohttp.CookieJar(unsafe=True)  # a cookie for 127.0.0.1
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                async with http.post(f"{base}/login", json={"operator": "sam",
                                                            "password": PASSWORD}) as r:
                    assert r.status == 200
                figures = {
                    "queue": await timed(http, f"{base}/queue", args.runs),
                    "search_rare_order_number": await timed(
                        http, f"{base}/search?q=A-{args.customers // 2}", args.runs),
                    "search_name_prefix_and_channel": await timed(
                        http, f"{base}/search?q=ana+bo&channel=whatsapp", args.runs),
                    "search_common_word": await timed(
                        http, f"{base}/search?q=refund+parcel", args.runs),
                    "recent_resolved_list": await timed(
                        http, f"{base}/search?status=bot", args.runs),
                    "open_long_conversation": await timed(
                        http, f"{base}/conversations/{long_id}", args.runs),
                }
            return {"customers": args.customers,
                    "events": (args.customers - 1) * args.events + args.long,
                    "queued": args.queued, "fill_seconds": round(filled, 1),
                    "used_memory_mb": round(int(info["used_memory"]) / 2**20),
                    "figures": figures}
    finally:
        server.stop()


if __name__ == "__main__":
    result = asyncio.run(main(parse()))
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "desk.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
