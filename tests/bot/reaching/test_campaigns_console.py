"""The console's campaign routes over real HTTP: supervisors estimate, preview (as each
enabled channel renders it: buttons on WhatsApp, Messenger and the web chat, numbered
options on SMS), create, pause and resume, and read each campaign's figures in the
analytics CSV; an operator is refused every route with 403 and nothing is created."""

from __future__ import annotations

import csv
import io
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.config.campaigns import PROFILE_FIELDS
from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.bot.operator.console import PASSWORD, Console
from tests.bot.reaching.conftest import (
    ENTRY_POINTS,
    TEMPLATES,
    Customer,
    api_section,
    channel_sections,
)
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import FakeTwilio

pytestmark = pytest.mark.timeout(90)

OPERATORS = [{"id": "sam", "name": "Sam", "role": "supervisor",
              "password_hash": hash_password(PASSWORD)},
             {"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD)}]
SALE: dict[str, Any] = {
    "name": "Spring sale",
    "text": {"en": "Spring sale: 20% off.", "es": "Rebajas: 20%."},
    "choices": [{"title": {"en": "Shop now", "es": "Comprar"}, "flow": "optin"},
                {"title": {"en": "Not now"}}],
    "start_at": "2099-01-01T00:00:00Z",  # scheduled: nothing is sent during the test
}


@pytest.fixture
def settings(make_settings: Any, graph: FakeGraphAPI, twilio: FakeTwilio,
             redis: Redis) -> Any:
    return make_settings(connectors=channel_sections(graph, twilio), api=api_section(),
                         notifications={"templates": TEMPLATES}, entry_points=ENTRY_POINTS,
                         handoff={"operators": OPERATORS},
                         campaigns={"poll_seconds": 0.05})


async def signed_in(runtime: Runtime, operator: str) -> Console:
    console = Console(runtime)
    assert (await console.login(operator)).status == 200
    return console


async def test_an_operator_is_refused_every_campaign_route(
        runtime: Runtime, customer: Customer) -> None:
    await customer.on_whatsapp("/optin")
    ana = await signed_in(runtime, "ana")
    try:
        assert (await ana.get("/campaigns"))[0] == 403
        assert (await ana.get("/campaigns/abc/stats"))[0] == 403
        for path in ("/campaigns/estimate", "/campaigns/preview", "/campaigns",
                     "/campaigns/abc/pause", "/campaigns/abc/cancel"):
            status, body = await ana.post(path, SALE)
            assert status == 403, (path, body)
        sam = await signed_in(runtime, "sam")
        assert await sam.get("/campaigns") == (200, {
            "campaigns": [], "channels": ["messenger", "sms", "webchat", "whatsapp"],
            "flows": sorted(runtime.engine.flows), "profile_fields": list(PROFILE_FIELDS),
            "template_channels": ["whatsapp"]})  # nothing was created
        await sam.close()
    finally:
        await ana.close()


async def test_a_supervisor_estimates_previews_creates_moves_and_sees_the_csv_row(
        runtime: Runtime, customer: Customer) -> None:
    await customer.on_whatsapp("/optin")
    sam = await signed_in(runtime, "sam")
    try:
        assert await sam.post("/campaigns/estimate", {"segment": {}}) == (200, {
            "matched": 1, "audience": 1, "skipped": {}})
        status, shown = await sam.post("/campaigns/preview", SALE)
        assert status == 200, shown
        english = shown["locales"]["en"]
        for channel in ("whatsapp", "messenger", "webchat"):
            assert english[channel] == [{"text": "Spring sale: 20% off.",
                                         "buttons": ["Shop now", "Not now"]}], channel
        assert english["sms"] == [{"text": "Spring sale: 20% off.\n\n1. Shop now\n2. Not now",
                                   "buttons": []}]
        assert shown["locales"]["es"]["whatsapp"][0]["buttons"] == ["Comprar", "Not now"]
        status, created = await sam.post("/campaigns", SALE)
        assert status == 201 and created["by"] == "operator:sam", created
        assert await sam.post(f"/campaigns/{created['id']}/pause") == (
            200, {"id": created["id"], "status": "paused"})
        assert (await sam.post(f"/campaigns/{created['id']}/pause"))[0] == 409
        status, listed = await sam.get("/campaigns")
        [campaign] = listed["campaigns"]
        assert (campaign["status"], campaign["audience"], campaign["sent"]) == ("paused", 1, 0)
        async with sam.http.get(f"{sam.base}/operator/api/analytics.csv") as answer:
            assert answer.status == 200
            rows = list(csv.reader(io.StringIO(await answer.text())))
        label = f"Spring sale ({created['id']})"
        mine = {row[1]: row[3] for row in rows if row[0] == "campaign"}
        assert mine[f"{label}:status"] == "paused"
        assert (mine[f"{label}:audience"], mine[f"{label}:sent"]) == ("1", "0")
        status, report = await sam.get("/analytics")
        assert [c["id"] for c in report["campaigns"]] == [created["id"]]
    finally:
        await sam.close()


async def test_a_definition_the_service_refuses_says_why(
        runtime: Runtime, customer: Customer, http: aiohttp.ClientSession) -> None:
    sam = await signed_in(runtime, "sam")
    try:
        status, body = await sam.post("/campaigns", SALE)  # nobody has consented
        assert status == 422 and body["code"] == "no_audience", body
        assert "nothing was created" in body["error"]
        status, body = await sam.post("/campaigns/preview", {"name": "x", "text": {}})
        assert status == 400 and "text" in body["message"], body
        assert (await sam.get("/campaigns"))[1]["campaigns"] == []
    finally:
        await sam.close()


async def test_every_field_at_fault_is_named_by_its_path_for_the_form(
        runtime: Runtime, customer: Customer) -> None:
    await customer.on_whatsapp("/optin")
    sam = await signed_in(runtime, "sam")
    try:
        status, body = await sam.post("/campaigns/preview", {
            **SALE, "channel_policy": "ordered", "quiet_hours": {"start": "25:00"},
            "segment": {"profile": {"age": "30"}, "unfinished_flow": {"flow": "x", "hours": 0}}})
        assert status == 400 and body["code"] == "invalid_request", body
        fields = body["fields"]
        assert "unknown profile field 'age'" in fields["segment.profile"]
        assert "greater than 0" in fields["segment.unfinished_flow.hours"]
        assert "needs channel_order" in fields["channel_order"]
        assert set(fields) >= {"quiet_hours.start", "quiet_hours.end"}
        status, body = await sam.post("/campaigns/estimate", {"segment": {
            "last_seen_after": "yesterday"}})
        assert status == 400 and list(body["fields"]) == ["segment.last_seen_after"]
        status, body = await sam.post("/campaigns", {
            **SALE, "choices": [{"title": {"en": "Go"}, "flow": "nope"}]})
        assert status == 422 and "nope" in body["fields"]["choices"], body
        status, shown = await sam.post("/campaigns/preview", {
            **SALE, "templates": {"whatsapp": {"name": "spring", "languages": {"es": "es_ES"}}}})
        assert status == 200 and shown["outside_window"]["es"] == {
            "whatsapp": "the approved template spring (es_ES)",
            "messenger": "nothing: messenger takes no campaign after 24 hours"}
        assert shown["outside_window"]["en"]["whatsapp"] == "the approved template spring (en)"
    finally:
        await sam.close()
