"""Fault test: SIGKILL a worker twice while a campaign is being sent to 600 customers by
two workers (real ``omnicanal run`` processes behind a web process that serves the API).
Every customer gets the campaign exactly once: 0 with two copies, 0 eligible missed."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
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

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CUSTOMERS = 600
SECRET = "fault-secret"
TOKEN = "campaign-token-0123456789abcdef"
TEXT = "Spring sale: 20% off this week."


def campaign_config(path: Path, redis_url: str, port: int, graph: FakeGraphAPI) -> Path:
    return write_config(
        path, store=store_section(redis_url, lease_seconds=2),
        server={"port": port}, logging={"level": "WARNING"},
        flows={"modules": ["tests.scale.echo_flows"], "default": "echo", "locales": ["en"]},
        linking={"enabled": False}, handoff={"misunderstood_limit": 0},
        consent={"defaults": {"marketing": True, "notifications": True}},
        api={"tokens": [{"id": "marketing", "token": TOKEN, "scopes": ["campaigns:manage"]}]},
        # Slow enough (about 4 s in all) that both kills land mid-campaign.
        campaigns={"poll_seconds": 0.1, "claim_seconds": 1, "batch": 50,
                   "rate_per_second": {"whatsapp": 80}},
        connectors={"webchat": {"enabled": False}, "whatsapp": {
            "access_token": "wa-token", "phone_number_id": "PNID", "app_secret": SECRET,
            "verify_token": "v", "graph_base": graph.base_url, "max_per_second": 1000}})


def campaign_copies(graph: FakeGraphAPI) -> Counter[str]:
    return Counter(str(c.json["to"]) for c in graph.whatsapp_sent
                   if c.json.get("text", {}).get("body") == TEXT)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float) -> None:
    """Until ``check`` holds: what it watches is in other processes, so it is polled."""
    async with asyncio.timeout(timeout):
        while True:
            if await check():
                return
            await asyncio.sleep(0.02)


async def estimate_reaches(estimate: Callable[[], Awaitable[int]]) -> bool:
    return await estimate() >= CUSTOMERS


async def sent_to_share(graph: FakeGraphAPI, fraction: float) -> bool:
    return len(campaign_copies(graph)) >= CUSTOMERS * fraction


async def test_killing_workers_mid_campaign_sends_each_customer_exactly_one_copy(
    tmp_path: Path, redis: Redis, redis_url: str
) -> None:
    async with FakeGraphAPI(idempotent=True) as graph:
        port = free_port()
        config = campaign_config(tmp_path / "config.yaml", redis_url, port, graph)
        web = BotProcess(config, "web")
        workers = [BotProcess(config, "worker") for _ in range(2)]
        every = [web, *workers]
        base = f"http://127.0.0.1:{port}"
        kills = 0
        try:
            await web.start()
            await asyncio.gather(*(w.start() for w in workers))
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50)) as http:

                async def write(n: int) -> None:
                    body, headers = hooks.signed_delivery(hooks.whatsapp_text(
                        wa_id=f"3460{n:07d}", text="hi", message_id=f"wamid.{n}"), SECRET)
                    async with http.post(f"{base}/webhooks/whatsapp", data=body,
                                         headers=headers) as response:
                        assert response.status == 200

                await asyncio.gather(*(write(n) for n in range(CUSTOMERS)))
                await graph.wait_for_whatsapp(CUSTOMERS, timeout=120)
                auth = {"Authorization": f"Bearer {TOKEN}"}

                async def estimate() -> int:
                    async with http.post(f"{base}/api/v1/campaigns/estimate", json={},
                                         headers=auth) as response:
                        return int((await response.json())["audience"])

                await eventually(lambda: estimate_reaches(estimate), 30)  # index flushed
                async with http.post(f"{base}/api/v1/campaigns", headers=auth, json={
                        "name": "Spring", "text": {"en": TEXT}}) as response:
                    assert response.status == 201
                    campaign = await response.json()
                for fraction in (0.25, 0.6):
                    await eventually(partial(sent_to_share, graph, fraction), 60)
                    victim = kills % len(workers)
                    await workers[victim].kill()
                    kills += 1
                    workers[victim] = BotProcess(config, "worker")
                    every.append(workers[victim])
                    await workers[victim].start()
                with contextlib.suppress(TimeoutError):  # what is missing is counted below
                    async with asyncio.timeout(90):
                        while True:
                            async with http.get(f"{base}/api/v1/campaigns/{campaign['id']}/"
                                                "stats", headers=auth) as response:
                                stats = await response.json()
                            if stats["status"] == "finished":
                                break
                            await asyncio.sleep(0.2)
        finally:
            for process in every:
                await process.kill()

    copies = campaign_copies(graph)
    doubled = sum(1 for n in copies.values() if n > 1)
    missed = sum(1 for n in range(CUSTOMERS) if f"3460{n:07d}" not in copies)
    record(f"campaign kill test: {CUSTOMERS} customers, {kills} workers killed, "
           f"{sum(copies.values())} campaign messages, doubled {doubled}, missed {missed}, "
           f"stats {stats}, retransmissions with the same idempotency key {graph.repeats}")
    assert kills == 2
    assert (doubled, missed) == (0, 0)
    assert stats["status"] == "finished" and stats["sent"] == CUSTOMERS
