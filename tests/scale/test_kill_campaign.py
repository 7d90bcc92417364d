"""Fault tests: SIGKILL a worker twice, or restart the store, or pause (and kill a worker
while paused) and resume, while a campaign is being sent to 600 customers by two workers
(real ``omnicanal run`` processes behind a web process that serves the API). Every
customer gets the campaign exactly once: 0 with two copies, 0 eligible missed."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.store.embedded import free_port
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.scale.conftest import record
from tests.scale.processes import BotProcess, write_config
from tests.servers import CLUSTER, start_valkey, store_section
from tests.waiting import eventually

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

CUSTOMERS = 600
SECRET = "fault-secret"
TOKEN = "campaign-token-0123456789abcdef"
TEXT = "Spring sale: 20% off this week."


def campaign_config(path: Path, redis_url: str, port: int, graph: FakeGraphAPI,
                    cluster: bool) -> Path:
    return write_config(
        path, store=store_section(redis_url, lease_seconds=2, cluster=cluster),
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


async def estimate_reaches(estimate: Callable[[], Awaitable[int]]) -> bool:
    return await estimate() >= CUSTOMERS


async def sent_to_share(graph: FakeGraphAPI, fraction: float) -> bool:
    return len(campaign_copies(graph)) >= CUSTOMERS * fraction


class Campaign:
    """A web process and two workers on ``redis_url``; 600 customers who wrote once."""

    def __init__(self, tmp_path: Path, redis_url: str, graph: FakeGraphAPI,
                 cluster: bool = CLUSTER) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.graph = graph
        self.config = campaign_config(tmp_path / "config.yaml", redis_url, self.port, graph,
                                      cluster)
        self.workers = [BotProcess(self.config, "worker") for _ in range(2)]
        self.every = [BotProcess(self.config, "web"), *self.workers]
        self.auth = {"Authorization": f"Bearer {TOKEN}"}
        self.kills = 0

    async def start(self, http: aiohttp.ClientSession) -> None:
        await asyncio.gather(*(p.start() for p in self.every))

        async def write(n: int) -> None:
            body, headers = hooks.signed_delivery(hooks.whatsapp_text(
                wa_id=f"3460{n:07d}", text="hi", message_id=f"wamid.{n}"), SECRET)
            async with http.post(f"{self.base}/webhooks/whatsapp", data=body,
                                 headers=headers) as response:
                assert response.status == 200

        await asyncio.gather(*(write(n) for n in range(CUSTOMERS)))
        await self.graph.wait_for_whatsapp(CUSTOMERS, timeout=120)

        async def estimate() -> int:
            async with http.post(f"{self.base}/api/v1/campaigns/estimate", json={},
                                 headers=self.auth) as response:
                return int((await response.json())["audience"])

        await eventually(lambda: estimate_reaches(estimate), 30)  # the index is flushed

    async def create(self, http: aiohttp.ClientSession) -> str:
        async with http.post(f"{self.base}/api/v1/campaigns", headers=self.auth, json={
                "name": "Spring", "text": {"en": TEXT}}) as response:
            assert response.status == 201
            return str((await response.json())["id"])

    async def kill_a_worker(self) -> None:
        victim = self.kills % len(self.workers)
        await self.workers[victim].kill()
        self.kills += 1
        self.workers[victim] = BotProcess(self.config, "worker")
        self.every.append(self.workers[victim])
        await self.workers[victim].start()

    async def stats(self, http: aiohttp.ClientSession, campaign_id: str) -> dict[str, Any]:
        """Once finished (or as they are after 90 s: what is missing is counted)."""
        stats: dict[str, Any] = {}
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(90):
                while stats.get("status") != "finished":
                    await asyncio.sleep(0.2)
                    with contextlib.suppress(aiohttp.ClientError):
                        async with http.get(f"{self.base}/api/v1/campaigns/{campaign_id}"
                                            "/stats", headers=self.auth) as response:
                            if response.status == 200:
                                stats = await response.json()
        return stats

    async def close(self) -> None:
        for process in self.every:
            await process.kill()

    async def delivered(self) -> None:
        """Until every customer's copy reached the platform (a send the store's restart
        interrupted goes out again with the outbox's recovery), or 60 s: what is missing
        is counted."""
        with contextlib.suppress(TimeoutError):
            await eventually(partial(sent_to_share, self.graph, 1.0), 60)

    def copies(self, what: str, stats: dict[str, Any]) -> tuple[int, int]:
        """(customers with two copies, customers missed), recorded with ``what``."""
        copies = campaign_copies(self.graph)
        doubled = sum(1 for n in copies.values() if n > 1)
        missed = sum(1 for n in range(CUSTOMERS) if f"3460{n:07d}" not in copies)
        record(f"campaign {what}: {CUSTOMERS} customers, {sum(copies.values())} campaign "
               f"messages, doubled {doubled}, missed {missed}, stats {stats}, "
               f"retransmissions with the same idempotency key {self.graph.repeats}")
        return doubled, missed


async def test_killing_workers_mid_campaign_sends_each_customer_exactly_one_copy(
    tmp_path: Path, redis: Redis, redis_url: str
) -> None:
    async with FakeGraphAPI(idempotent=True) as graph, aiohttp.ClientSession() as http:
        campaign = Campaign(tmp_path, redis_url, graph)
        try:
            await campaign.start(http)
            campaign_id = await campaign.create(http)
            for fraction in (0.25, 0.6):
                await eventually(partial(sent_to_share, graph, fraction), 60)
                await campaign.kill_a_worker()
            stats = await campaign.stats(http, campaign_id)
            await campaign.delivered()
        finally:
            await campaign.close()
    assert campaign.copies(f"kill test, {campaign.kills} workers killed", stats) == (0, 0)
    assert campaign.kills == 2
    assert stats["status"] == "finished" and stats["sent"] == CUSTOMERS


async def test_restarting_the_store_mid_campaign_sends_each_customer_exactly_one_copy(
    tmp_path: Path
) -> None:
    data, port = tmp_path / "valkey", free_port()
    data.mkdir()
    store = start_valkey(data, port, "--appendfsync", "always")
    async with FakeGraphAPI(idempotent=True) as graph, aiohttp.ClientSession() as http:
        # A server of its own, restarted: one server even on a cluster run.
        campaign = Campaign(tmp_path, f"redis://127.0.0.1:{port}/0", graph, cluster=False)
        try:
            await campaign.start(http)
            campaign_id = await campaign.create(http)
            await eventually(partial(sent_to_share, graph, 0.3), 60)
            store.send_signal(signal.SIGTERM)
            await asyncio.to_thread(store.wait, 10)
            await asyncio.sleep(1.0)  # the store is away for a second
            store = await asyncio.to_thread(start_valkey, data, port, "--appendfsync",
                                            "always")
            stats = await campaign.stats(http, campaign_id)
            await campaign.delivered()
        finally:
            await campaign.close()
            store.kill()
            store.wait(10)
    assert campaign.copies("store restart", stats) == (0, 0)
    assert stats["status"] == "finished" and stats["sent"] == CUSTOMERS


async def test_pausing_mid_campaign_holds_what_is_queued_and_resume_sends_the_rest_once(
    tmp_path: Path, redis: Redis, redis_url: str
) -> None:
    """Paused at 30 %, with waves already in inboxes: once those turns are done (each
    sent or held: ``sent + held + queued`` is the audience), nothing more goes out while
    it stays paused, a worker killed meanwhile included; resumed, every customer has
    exactly one copy."""
    async with FakeGraphAPI(idempotent=True) as graph, aiohttp.ClientSession() as http:
        campaign = Campaign(tmp_path, redis_url, graph)
        try:
            await campaign.start(http)
            campaign_id = await campaign.create(http)
            path = f"{campaign.base}/api/v1/campaigns/{campaign_id}"
            await eventually(partial(sent_to_share, graph, 0.3), 60)
            async with http.post(f"{path}/pause", headers=campaign.auth) as response:
                assert response.status == 200
            paused: dict[str, Any] = {}

            async def settled() -> bool:
                async with http.get(f"{path}/stats", headers=campaign.auth) as response:
                    paused.update(await response.json())
                accounted = paused["sent"] + paused["held"] + paused["queued"]
                return accounted == CUSTOMERS and \
                    sum(campaign_copies(graph).values()) == paused["sent"]

            await eventually(settled, 30)
            await campaign.kill_a_worker()
            await asyncio.sleep(1.0)  # ten polls of each worker's clock: none may send
            assert sum(campaign_copies(graph).values()) == paused["sent"] < CUSTOMERS
            async with http.post(f"{path}/resume", headers=campaign.auth) as response:
                assert response.status == 200
            stats = await campaign.stats(http, campaign_id)
            await campaign.delivered()
        finally:
            await campaign.close()
    assert campaign.copies(f"paused at {paused['sent']} sent, {paused['held']} held",
                           stats) == (0, 0)
    assert stats["status"] == "finished" and stats["sent"] == CUSTOMERS
