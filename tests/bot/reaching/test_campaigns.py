"""Campaigns end to end over real HTTP: the API creates one, the runtime's campaign clock
sends it through the fake Graph and Twilio servers, each customer once, on their channel
within its rules; the stats and the ``campaign.finished`` event say what happened; every
bad input is answered with the reason and no side effect."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.api.auth import ApiAuth
from bot.campaigns.clock import quiet_until
from bot.campaigns.setup import campaign_routes
from bot.config.campaigns import QuietHours
from bot.messages import Identity
from bot.runtime import Runtime
from tests.bot.reaching.conftest import (
    ENTRY_POINTS,
    TEMPLATES,
    WRITE_TOKEN,
    Customer,
    api_section,
    channel_sections,
)
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import FakeTwilio
from tests.fakes.webhook_receiver import FakeReceiver
from tests.waiting import eventually

pytestmark = pytest.mark.timeout(90)

CAMPAIGN_TOKEN = "campaign-token-0123456789abcdef"
HOOK_SECRET = "whsec-0123456789abcdef"
OTHERS = ["34600000001", "34600000002", "34600000003"]

SPRING: dict[str, Any] = {
    "name": "Spring sale",
    "text": {"en": "Spring sale: 20% off this week.", "es": "Rebajas: 20% esta semana."},
    "choices": [{"title": {"en": "Shop now", "es": "Comprar"}, "flow": "optin"},
                {"title": {"en": "Not now"}}],
}


@pytest.fixture
async def receiver() -> Any:
    async with FakeReceiver(HOOK_SECRET) as fake:
        yield fake


@pytest.fixture
def settings(make_settings: Any, graph: FakeGraphAPI, twilio: FakeTwilio, redis: Redis,
             receiver: FakeReceiver) -> Any:
    sections = channel_sections(graph, twilio)
    api = api_section()
    api["tokens"].append({"id": "marketing", "token": CAMPAIGN_TOKEN,
                          "scopes": ["campaigns:manage"]})
    return make_settings(connectors=sections, api=api, notifications={"templates": TEMPLATES},
                         entry_points=ENTRY_POINTS,
                         campaigns={"poll_seconds": 0.05, "claim_seconds": 2,
                                    "definitions": {"spring": SPRING}},
                         events={"subscriptions": [{"url": receiver.url, "secret": HOOK_SECRET,
                                                    "types": ["campaign.finished"]}],
                                 "backoff_initial_seconds": 0.05})


class Api:
    def __init__(self, http: aiohttp.ClientSession, runtime: Runtime) -> None:
        assert runtime.server is not None
        self.http, self.runtime = http, runtime
        self.base = runtime.server.url + "/api/v1"

    async def call(self, method: str, path: str, body: Any = None, *,
                   token: str = CAMPAIGN_TOKEN) -> tuple[int, Any]:
        await self.runtime.settle()  # what customers said is in the directory
        async with self.http.request(method, self.base + path, json=body,
                                     headers={"Authorization": f"Bearer {token}"}) as answer:
            return answer.status, await answer.json()

    async def stats(self, campaign_id: str) -> dict[str, Any]:
        status, body = await self.call("GET", f"/campaigns/{campaign_id}/stats")
        assert status == 200, body
        return dict(body)

    async def until(self, campaign_id: str, done: Callable[[dict[str, Any]], bool],
                    timeout: float = 20) -> dict[str, Any]:
        """The stats once ``done`` holds for them (the clock sends in the background)."""
        found: dict[str, Any] = {}

        async def reached() -> bool:
            found.update(await self.stats(campaign_id))
            return done(found)

        await eventually(reached, timeout, every=0.05)
        await self.runtime.settle()
        return found


@pytest.fixture
def api(http: aiohttp.ClientSession, runtime: Runtime) -> Api:
    return Api(http, runtime)


async def whatsapp(customer: Customer, wa_id: str, text: str) -> str:
    """``wa_id`` writes ``text`` on WhatsApp; their customer id."""
    customer.graph.customer_wrote(wa_id)
    assert await customer.meta.whatsapp(hooks.whatsapp_text(wa_id=wa_id, text=text)) == 200
    return await customer.runtime.store.resolve(
        Identity(channel="whatsapp", account="PNID", user_id=wa_id))


def sent_to(graph: FakeGraphAPI, wa_id: str) -> list[Any]:
    return [c for c in graph.whatsapp_sent if c.json.get("to") == wa_id]


def campaign_sends(graph: FakeGraphAPI, wa_id: str) -> list[Any]:
    """The campaign's messages (with its buttons) sent to ``wa_id``."""
    return [c for c in sent_to(graph, wa_id) if c.json["type"] == "interactive"
            and "Spring" in c.json["interactive"]["body"]["text"]]


async def test_reaches_each_consenting_customer_once_with_choices_and_says_who_was_skipped(
        api: Api, customer: Customer, graph: FakeGraphAPI, receiver: FakeReceiver) -> None:
    await customer.on_whatsapp("/optin")                      # consents on WhatsApp
    await whatsapp(customer, OTHERS[0], "hi")                  # never consented
    blocked = await whatsapp(customer, OTHERS[1], "/optin")   # consented, then blocked us
    await customer.runtime.store.mark_unreachable(
        blocked, Identity(channel="whatsapp", account="PNID", user_id=OTHERS[1]), "blocked")
    status, estimate = await api.call("POST", "/campaigns/estimate", {"segment": {}})
    assert status == 200 and estimate == {
        "matched": 3, "audience": 1,
        "skipped": {"no_consent": 1, "no_reachable_channel": 1}}
    status, created = await api.call("POST", "/campaigns", SPRING)
    assert status == 201 and created["audience"] == 1, created
    stats = await api.until(created["id"], lambda s: s["status"] == "finished")
    assert stats["sent"] == 1 and stats["skipped"] == {"no_consent": 1,
                                                       "no_reachable_channel": 1}
    [message] = campaign_sends(graph, "34600111222")
    assert message.json["interactive"]["body"]["text"] == "Spring sale: 20% off this week."
    buttons = message.json["interactive"]["action"]["buttons"]
    assert [b["reply"]["title"] for b in buttons] == ["Shop now", "Not now"]
    assert not campaign_sends(graph, OTHERS[0]) and not campaign_sends(graph, OTHERS[1])
    [event] = [e for e in await customer.history() if e.data.get("campaign")]
    assert event.kind == "outbound"
    await receiver.wait_for(1)
    [finished] = receiver.received
    assert finished["type"] == "campaign.finished"
    assert finished["data"]["campaign_id"] == created["id"]
    assert finished["data"]["stats"]["sent"] == 1
    # Queued again (a worker that died after queueing), it is not sent twice.
    await customer.runtime.pipeline.enqueue_business(await customer.id(), _item(created["id"]))
    await customer.runtime.settle()
    assert len(campaign_sends(graph, "34600111222")) == 1


def _item(campaign_id: str) -> Any:
    from bot.model import BusinessMessage

    return BusinessMessage(id=f"campaign:{campaign_id}:again", action="campaign",
                           ref=campaign_id)


async def consented_and_sent(api: Api, customer: Customer,
                             graph: FakeGraphAPI) -> tuple[dict[str, Any], Any]:
    """The customer opts in on WhatsApp and is sent SPRING: the campaign and the message."""
    await customer.on_whatsapp("/optin")
    _, created = await api.call("POST", "/campaigns", SPRING)
    await api.until(created["id"], lambda s: s["sent"] == 1)
    [message] = campaign_sends(graph, "34600111222")
    return created, message


async def test_a_tap_starts_the_choice_flow_and_counts_reply_click_conversion_and_stop(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    created, message = await consented_and_sent(api, customer, graph)
    shop = message.json["interactive"]["action"]["buttons"][0]["reply"]
    graph.customer_wrote("34600111222")
    assert await customer.meta.whatsapp(hooks.whatsapp_button_reply(
        wa_id="34600111222", button_id=shop["id"], title=shop["title"])) == 200
    assert graph.whatsapp_sent[-1].json["text"]["body"] == "subscribed"  # the flow ran
    await customer.on_whatsapp("STOP")
    stats = await api.stats(created["id"])
    assert (stats["replied"], stats["clicked"], stats["conversions"], stats["opted_out"]) \
        == (1, 1, 1, 1)


async def test_outside_the_window_whatsapp_takes_the_mapped_template_messenger_is_skipped(
        api: Api, runtime: Runtime, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/optin")
    assert await customer.meta.messenger(hooks.messenger_text(psid="7001", text="hi")) == 200
    messenger = Identity(channel="messenger", account="PAGE_ID", user_id="7001")
    psid_customer = await runtime.store.resolve(messenger)
    await api.call("PUT", f"/customers/{psid_customer}/consents/marketing",
                   {"granted": True}, token=WRITE_TOKEN)
    long_ago = time.time() - 48 * 3600
    for customer_id, identity in ((await customer.id(), customer.whatsapp),
                                  (psid_customer, messenger)):
        ck = runtime.store.keys.customer(customer_id)
        await runtime.store.redis.hset(ck.last_inbound, identity.key, int(long_ago * 1000))
    graph.customer_wrote("34600111222", at=long_ago)
    graph.customer_wrote("7001", at=long_ago)
    before = len(graph.messenger_sent)
    _, created = await api.call("POST", "/campaigns", {
        **SPRING, "choices": [],
        "templates": {"whatsapp": {"name": "spring_sale", "languages": {"en": "en_US"}}}})
    stats = await api.until(created["id"], lambda s: s["status"] == "finished")
    assert stats["sent"] == 1 and stats["failed"] == {"outside_window": 1}
    assert sent_to(graph, "34600111222")[-1].json["template"]["name"] == "spring_sale"
    assert len(graph.messenger_sent) == before
    [error] = [e for e in await runtime.store.history(psid_customer)
               if e.kind == "error" and e.data.get("campaign")]
    assert "24-hour window" in (error.text or "")


async def test_ordered_fallback_uses_the_next_channel_that_can_take_it(
        api: Api, runtime: Runtime, customer: Customer, twilio: FakeTwilio) -> None:
    await customer.on_whatsapp("hi")
    await customer.link_sms()
    await api.call("PUT", f"/customers/{await customer.id()}/consents/marketing",
                   {"granted": True}, token=WRITE_TOKEN)
    ck = runtime.store.keys.customer(await customer.id())
    await runtime.store.redis.hset(ck.last_inbound, customer.whatsapp.key,
                                   int((time.time() - 48 * 3600) * 1000))
    _, created = await api.call("POST", "/campaigns", {
        **SPRING, "choices": [], "channel_policy": "ordered",
        "channel_order": ["whatsapp", "sms"]})
    stats = await api.until(created["id"], lambda s: s["status"] == "finished")
    assert stats["sent"] == 1
    assert twilio.sent[-1].body == "Spring sale: 20% off this week."


async def test_quiet_hours_keep_the_message_until_they_end(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/optin")
    now = datetime.now(UTC)
    quiet = {"start": (now - timedelta(hours=1)).strftime("%H:%M"),
             "end": (now + timedelta(hours=1)).strftime("%H:%M")}
    before = len(graph.whatsapp_sent)
    _, created = await api.call("POST", "/campaigns", {**SPRING, "quiet_hours": quiet})
    await asyncio.sleep(0.5)  # ten polls of the clock: none may send
    stats = await api.stats(created["id"])
    assert stats["status"] == "running" and stats["sent"] == 0 and stats["queued"] == 1
    assert len(graph.whatsapp_sent) == before


def test_quiet_hours_across_midnight_in_the_customers_time_zone() -> None:
    quiet = QuietHours(start="21:00", end="09:00")
    at = datetime(2026, 3, 2, 22, 30, tzinfo=UTC).timestamp()  # 23:30 in Madrid
    ends = quiet_until(quiet, "Europe/Madrid", at)
    assert ends == datetime(2026, 3, 3, 8, 0, tzinfo=UTC).timestamp()  # 09:00 Madrid
    assert quiet_until(quiet, "America/New_York", at) is None  # 17:30 there


async def test_pause_resume_cancel_and_a_cancelled_campaign_sends_nothing(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/optin")
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    _, created = await api.call("POST", "/campaigns", {**SPRING, "start_at": later})
    path = f"/campaigns/{created['id']}"
    assert (await api.call("POST", f"{path}/pause"))[1]["status"] == "paused"
    assert (await api.call("POST", f"{path}/resume"))[1]["status"] == "running"
    assert (await api.call("POST", f"{path}/cancel"))[1]["status"] == "cancelled"
    status, body = await api.call("POST", f"{path}/resume")
    assert status == 409 and "cancelled" in body["message"]
    status, listed = await api.call("GET", "/campaigns")
    assert [c["status"] for c in listed["campaigns"]] == ["cancelled"]
    assert (await api.stats(created["id"]))["sent"] == 0


Check = Callable[[Api], Awaitable[None]]


async def test_bad_input_is_refused_with_the_reason_and_creates_nothing(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("hi")  # no consent
    status, body = await api.call("POST", "/campaigns", SPRING)
    assert status == 422 and body["error"] == "no_audience"
    assert "1 no consent" in body["message"] and body["skipped"] == {"no_consent": 1}
    status, body = await api.call("POST", "/campaigns", {
        **SPRING, "choices": [{"title": {"en": "Go"}, "flow": "nope"}]})
    assert status == 422 and body["error"] == "unknown_flow"
    status, body = await api.call("POST", "/campaigns", {**SPRING, "text": {"en": "Hi {age}"}})
    assert status == 400 and "age" in body["message"]
    status, body = await api.call("POST", "/campaigns", SPRING, token=WRITE_TOKEN)
    assert status == 403 and "campaigns:manage" in body["message"]
    assert (await api.call("GET", "/campaigns/nope/stats"))[0] == 404
    assert (await api.call("GET", "/campaigns"))[1] == {"campaigns": []}


async def test_a_customer_missing_a_template_value_is_skipped_with_the_reason(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/optin")
    before = len(graph.whatsapp_sent)
    _, created = await api.call("POST", "/campaigns", {
        **SPRING, "text": {"en": "Spring sale, sent to {email}!"}})
    stats = await api.until(created["id"], lambda s: s["status"] == "finished")
    assert stats["sent"] == 0 and stats["failed"] == {"missing_value": 1}
    assert len(graph.whatsapp_sent) == before
    [error] = [e for e in await customer.history() if e.kind == "error"]
    assert "no email" in (error.text or "")


async def test_a_shipped_definition_is_created_by_name(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/optin")
    status, created = await api.call("POST", "/campaigns/shipped/spring")
    assert status == 201 and created["name"] == "Spring sale" and created["audience"] == 1
    await api.until(created["id"], lambda s: s["status"] == "finished")
    assert len(campaign_sends(graph, "34600111222")) == 1
    status, body = await api.call("POST", "/campaigns/shipped/autumn")
    assert status == 404 and "known: spring" in body["message"]


async def test_the_openapi_document_names_every_campaign_route_and_its_refs_resolve(
        api: Api, runtime: Runtime) -> None:
    async with api.http.get(api.base + "/openapi.json") as answer:
        document = await answer.json()
    served = campaign_routes(runtime.settings, auth=ApiAuth([]), store=runtime.store,
                             reaching=runtime.reaching, flows=[])
    routes = {(r.method.lower(), r.path.removeprefix("/api/v1")) for r in served}
    documented = {(method, path) for path, item in document["paths"].items()
                  for method in item if path.startswith("/campaigns")}
    assert routes and routes == documented

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [node["$ref"]] if "$ref" in node else [r for v in node.values()
                                                          for r in refs(v)]
        return [r for v in node for r in refs(v)] if isinstance(node, list) else []

    schemas = document["components"]["schemas"]
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in refs(document))


async def test_the_platforms_delivered_and_read_reports_count_for_the_campaign(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    created, message = await consented_and_sent(api, customer, graph)
    for status in ("delivered", "read", "read"):  # a report delivered twice counts once
        assert await customer.meta.whatsapp(hooks.whatsapp_status(
            wamid=message.message_id, status=status, recipient_id="34600111222")) == 200
    stats = await api.stats(created["id"])
    assert (stats["delivered"], stats["read"]) == (1, 1)


def test_the_demos_shipped_campaign_names_flows_the_demo_has() -> None:
    from pathlib import Path

    from bot.config.loader import load_settings
    from bot.dialogue.loading import load_flows

    settings = load_settings(Path(__file__).parents[3] / "config.yaml", env={})
    flows = {flow.name for flow in load_flows(settings.flows.modules)}
    [spring] = settings.campaigns.definitions.values()
    assert spring.segment.consent == "marketing" and spring.choices
    assert {c.flow for c in spring.choices if c.flow} <= flows
