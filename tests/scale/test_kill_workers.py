"""Fault test: kill -9 one of three workers again and again while 500 customers send
10,000 messages through signed webhooks. Every message gets exactly one reply, none is
lost or doubled, and each customer's replies come in the order they wrote."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.store.embedded import free_port
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.scale.conftest import record
from tests.scale.processes import BotProcess, write_config
from tests.servers import store_section

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

CUSTOMERS, MESSAGES = 500, 20
SECRET = "fault-secret"


def fault_config(path: Path, redis_url: str, port: int, graph: FakeGraphAPI) -> Path:
    return write_config(
        path, store=store_section(redis_url, lease_seconds=2),
        server={"port": port}, logging={"level": "WARNING"},
        flows={"modules": ["tests.scale.echo_flows"], "default": "echo", "locales": ["en"]},
        linking={"enabled": False}, handoff={"misunderstood_limit": 0},
        connectors={"webchat": {"enabled": False}, "whatsapp": {
            "access_token": "wa-token", "phone_number_id": "PNID", "app_secret": SECRET,
            "verify_token": "v", "graph_base": graph.base_url, "max_per_second": 1000}})


# Proves docs/architecture.md invariant 9.
async def test_killing_workers_loses_and_doubles_nothing(
    tmp_path: Path, redis: Redis, redis_url: str
) -> None:
    rng = random.Random(7)
    async with FakeGraphAPI(idempotent=True) as graph:
        port = free_port()
        config = fault_config(tmp_path / "config.yaml", redis_url, port, graph)
        web = BotProcess(config, "web")
        workers = [BotProcess(config, "worker") for _ in range(3)]
        every = [web, *workers]
        kills = 0
        try:
            await web.start()
            await asyncio.gather(*(w.start() for w in workers))
            done = asyncio.Event()

            acknowledged, next_kill, due = 0, 0, asyncio.Event()

            async def killer() -> None:
                # A kill every 500-1,200 acknowledged webhooks or every 0.5-1.5 s, whichever
                # comes first: tied to the traffic, so a fast machine still sees workers
                # die mid-stream, and to the clock, so they also die while replies drain.
                nonlocal kills, next_kill
                while not done.is_set():
                    next_kill = acknowledged + rng.randint(500, 1200)
                    due.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(due.wait(), rng.uniform(0.5, 1.5))
                    victim = rng.randrange(len(workers))
                    await workers[victim].kill()
                    kills += 1
                    workers[victim] = BotProcess(config, "worker")
                    every.append(workers[victim])
                    await workers[victim].start()

            async def customer(n: int, http: aiohttp.ClientSession) -> None:
                nonlocal acknowledged
                wa_id = f"3460{n:07d}"
                for m in range(MESSAGES):
                    payload = hooks.whatsapp_text(wa_id=wa_id, text=f"{n}:{m}",
                                                  message_id=f"wamid.{n}.{m}")
                    body, headers = hooks.signed_delivery(payload, SECRET)
                    for _attempt in range(50):  # like Meta: redeliver until a 200
                        async with http.post(f"http://127.0.0.1:{port}/webhooks/whatsapp",
                                             data=body, headers=headers) as response:
                            if response.status == 200:
                                acknowledged += 1
                                if acknowledged >= next_kill:
                                    due.set()
                                break
                        await asyncio.sleep(0.2)
                    else:
                        raise AssertionError("a webhook was never acknowledged")

            started = time.monotonic()
            chaos = asyncio.create_task(killer())
            limit = aiohttp.TCPConnector(limit=100)
            async with aiohttp.ClientSession(connector=limit) as http:
                await asyncio.gather(*(customer(n, http) for n in range(CUSTOMERS)))
            sent_at = time.monotonic()
            with contextlib.suppress(TimeoutError):  # what is missing is counted below
                await graph.wait_for_whatsapp(CUSTOMERS * MESSAGES, timeout=240)
            done.set()
            await chaos
        finally:
            for process in every:
                await process.kill()

    replies: dict[str, list[str]] = defaultdict(list)
    for call in graph.whatsapp_sent:
        replies[str(call.json["to"])].append(call.json["text"]["body"])
    expected = {f"3460{n:07d}": [f"echo:{n}:{m}" for m in range(MESSAGES)]
                for n in range(CUSTOMERS)}
    total = sum(len(r) for r in replies.values())
    unique = {(to, text) for to, texts in replies.items() for text in texts}
    lost = sum(1 for to, texts in expected.items() for t in texts if (to, t) not in unique)
    doubled = total - len(unique)
    out_of_order = sum(1 for to, texts in expected.items() if replies.get(to) != texts
                       and len(set(replies.get(to, []))) == len(texts))
    record(f"fault test: {CUSTOMERS * MESSAGES} messages sent in {sent_at - started:.1f}s, "
          f"{total} replies, {kills} workers killed, lost {lost}, doubled {doubled}, "
          f"out of order {out_of_order}, retransmissions with the same idempotency key "
          f"{graph.repeats}")
    assert kills >= 3
    assert (lost, doubled, out_of_order) == (0, 0, 0)
