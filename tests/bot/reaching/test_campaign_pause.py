"""Pause holds what is already queued, over real HTTP: a campaign's message waits in the
customer's inbox behind a turn that is still running (a flow step held open by the test)
when a supervisor's API call pauses the campaign. That message is not sent while paused
(its recipient is held, ``held`` in the stats); resume sends it, once; cancel drops it,
counted as ``failed.cancelled``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.dialogue import End, Flow, StepResult, Turn, command
from bot.runtime import Runtime
from tests.bot.reaching.conftest import (
    WA_ID,
    Customer,
    api_section,
    channel_sections,
    flows_for_reaching,
)
from tests.bot.reaching.test_campaigns import CAMPAIGN_TOKEN, SPRING, campaign_sends
from tests.connectors.meta.conftest import WA_PATH
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import FakeTwilio
from tests.waiting import eventually

pytestmark = pytest.mark.timeout(90)


class Gate:
    """Holds the ``slow`` flow's step open until the test opens it (one per test)."""

    opened: asyncio.Event | None = None


slow = Flow("slow", triggers=command("slow"))


@slow.step
async def wait_for_the_gate(turn: Turn) -> StepResult:
    assert Gate.opened is not None
    await Gate.opened.wait()
    turn.say("done waiting")
    return End()


@pytest.fixture
def settings(make_settings: Any, graph: FakeGraphAPI, twilio: FakeTwilio,
             redis: Redis) -> Any:
    api = api_section()
    api["tokens"].append({"id": "marketing", "token": CAMPAIGN_TOKEN,
                          "scopes": ["campaigns:manage"]})
    return make_settings(connectors=channel_sections(graph, twilio), api=api,
                         campaigns={"poll_seconds": 0.05, "claim_seconds": 2})


@pytest.fixture
async def runtime(settings: Any) -> AsyncIterator[Runtime]:
    Gate.opened = asyncio.Event()
    async with Runtime(settings, flows=[*flows_for_reaching(), slow]) as rt:
        yield rt
        Gate.opened.set()


class Campaigns:
    """The business API, called without waiting for turns (one is held open)."""

    def __init__(self, http: aiohttp.ClientSession, runtime: Runtime) -> None:
        assert runtime.server is not None
        self.http, self.base = http, runtime.server.url + "/api/v1/campaigns"

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.base + path, json=body, headers={
                "Authorization": f"Bearer {CAMPAIGN_TOKEN}"}) as answer:
            return answer.status, await answer.json()

    async def stats(self, campaign_id: str) -> dict[str, Any]:
        status, body = await self.call("GET", f"/{campaign_id}/stats")
        assert status == 200, body
        return dict(body)

    async def until(self, campaign_id: str, **wanted: Any) -> dict[str, Any]:
        """The stats once every field in ``wanted`` has its value."""
        found: dict[str, Any] = {}

        async def reached() -> bool:
            found.update(await self.stats(campaign_id))
            return all(found[k] == v for k, v in wanted.items())

        await eventually(reached, 20, every=0.05)
        return found


async def paused_with_one_in_the_inbox(runtime: Runtime, customer: Customer,
                                       campaigns: Campaigns) -> str:
    """The customer consented; their turn is held open; the campaign's message was queued
    behind it (it left the campaign's queue) and then the campaign was paused."""
    await customer.on_whatsapp("/optin")
    await runtime.settle()  # in the customer directory
    payload = hooks.whatsapp_text(wa_id=WA_ID, text="/slow")  # its turn waits for the gate
    assert await customer.meta.post(WA_PATH, payload, settle=False) == 200
    status, created = await campaigns.call("POST", "", SPRING)
    assert status == 201, created
    await campaigns.until(created["id"], status="running", queued=0, sent=0)
    status, body = await campaigns.call("POST", f"/{created['id']}/pause")
    assert (status, body["status"]) == (200, "paused")
    assert Gate.opened is not None
    Gate.opened.set()  # the held-open turn ends; the campaign's message has its turn
    return str(created["id"])


async def test_a_message_queued_before_the_pause_is_held_and_resume_sends_it_once(
        runtime: Runtime, customer: Customer, graph: FakeGraphAPI,
        http: aiohttp.ClientSession) -> None:
    campaigns = Campaigns(http, runtime)
    campaign_id = await paused_with_one_in_the_inbox(runtime, customer, campaigns)
    stats = await campaigns.until(campaign_id, held=1)
    await runtime.settle()
    assert graph.whatsapp_sent[-1].json["text"]["body"] == "done waiting"
    assert not campaign_sends(graph, WA_ID)
    assert (stats["status"], stats["sent"], stats["queued"]) == ("paused", 0, 0)

    status, body = await campaigns.call("POST", f"/{campaign_id}/resume")
    assert (status, body["status"]) == (200, "running")
    stats = await campaigns.until(campaign_id, status="finished")
    await runtime.settle()
    assert (stats["sent"], stats["held"], stats["queued"], stats["failed"]) == (1, 0, 0, {})
    assert len(campaign_sends(graph, WA_ID)) == 1


async def test_cancel_drops_the_held_message_with_the_reason_counted(
        runtime: Runtime, customer: Customer, graph: FakeGraphAPI,
        http: aiohttp.ClientSession) -> None:
    campaigns = Campaigns(http, runtime)
    campaign_id = await paused_with_one_in_the_inbox(runtime, customer, campaigns)
    await campaigns.until(campaign_id, held=1)
    status, body = await campaigns.call("POST", f"/{campaign_id}/cancel")
    assert (status, body["status"]) == (200, "cancelled")
    # The clock counts the recipient as cancelled, then takes it off the queue: a read in
    # between sees both (failed 1, queued 1), so wait for the two.
    stats = await campaigns.until(campaign_id, failed={"cancelled": 1}, queued=0)
    await runtime.settle()
    assert (stats["sent"], stats["held"]) == (0, 0)
    assert not campaign_sends(graph, WA_ID)
    assert (await campaigns.call("POST", f"/{campaign_id}/resume"))[0] == 409


async def test_cancel_before_the_start_counts_every_recipient_as_cancelled(
        runtime: Runtime, customer: Customer, graph: FakeGraphAPI,
        http: aiohttp.ClientSession) -> None:
    campaigns = Campaigns(http, runtime)
    await customer.on_whatsapp("/optin")
    await runtime.settle()
    status, created = await campaigns.call("POST", "", {
        **SPRING, "start_at": "2099-01-01T00:00:00Z"})
    assert status == 201, created
    assert (await campaigns.stats(created["id"]))["queued"] == 1
    status, body = await campaigns.call("POST", f"/{created['id']}/cancel")
    assert (status, body["status"]) == (200, "cancelled")
    stats = await campaigns.until(created["id"], queued=0)
    assert (stats["sent"], stats["failed"]) == (0, {"cancelled": 1})
    assert not campaign_sends(graph, WA_ID)
