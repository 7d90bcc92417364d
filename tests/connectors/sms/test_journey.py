"""End to end over real HTTP: a fault report started on WhatsApp (webhooks signed like Meta's,
a fake Graph API) continues by SMS from the same number (webhooks signed like Twilio's, a
fake Twilio). The carrier vouches for the number, so the customer is offered to continue,
and linked only on their yes; the flow goes on where it stopped, answered by number."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.messages import Identity
from bot.runtime import Runtime
from tests.connectors.sms.conftest import Texter, sms_section
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import NUMBER, FakeTwilio

pytestmark = pytest.mark.timeout(60)

APP_SECRET = "journey-app-secret"
WA_ID = "34600777888"


@pytest.fixture
async def platforms() -> AsyncIterator[tuple[FakeGraphAPI, FakeTwilio]]:
    async with FakeGraphAPI() as graph, FakeTwilio() as twilio:
        yield graph, twilio


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis,
                  platforms: tuple[FakeGraphAPI, FakeTwilio]) -> AsyncIterator[Runtime]:
    graph, twilio = platforms
    settings = make_settings(connectors={
        "webchat": {"enabled": False},
        "whatsapp": {"access_token": "wa-token", "phone_number_id": "PNID",
                     "app_secret": APP_SECRET, "verify_token": "v",
                     "graph_base": graph.base_url},
        "sms": sms_section(twilio)})
    async with Runtime(settings) as rt:
        yield rt


async def whatsapp_says(runtime: Runtime, graph: FakeGraphAPI,
                        payload: dict[str, Any]) -> list[dict[str, Any]]:
    assert runtime.server is not None
    before = len(graph.whatsapp_sent)
    body, headers = hooks.signed_delivery(payload, APP_SECRET)
    async with aiohttp.ClientSession() as http, http.post(
            f"{runtime.server.url}/webhooks/whatsapp", data=body, headers=headers) as answer:
        assert answer.status == 200
    await runtime.settle()
    return [call.json for call in graph.whatsapp_sent[before:]]


def text_of(call: dict[str, Any]) -> str:
    if call["type"] == "text":
        return str(call["text"]["body"])
    return str(call["interactive"]["body"]["text"])


async def test_a_report_started_on_whatsapp_continues_by_sms(
        runtime: Runtime, platforms: tuple[FakeGraphAPI, FakeTwilio]) -> None:
    graph, twilio = platforms
    # 1. WhatsApp: start a fault report, answer the ticket and the part.
    ask = await whatsapp_says(runtime, graph, hooks.whatsapp_text(wa_id=WA_ID, text="/report"))
    assert "ticket number" in text_of(ask[-1])
    parts = await whatsapp_says(runtime, graph, hooks.whatsapp_text(wa_id=WA_ID, text="T100"))
    assert text_of(parts[-1]) == "Which part is faulty?"
    await whatsapp_says(runtime, graph, hooks.whatsapp_button_reply(
        wa_id=WA_ID, button_id="cable", title="Power cable"))
    # 2. SMS from the same number: the carrier vouches for it; offered, not linked yet.
    phone = Texter(runtime, twilio, number="+" + WA_ID)
    [offer] = await phone.says("hello")
    assert "talked before on WhatsApp" in offer and "1. " in offer
    whatsapp = Identity(channel="whatsapp", account="PNID", user_id=WA_ID)
    assert await runtime.store.resolve(whatsapp) != await phone.customer()
    # 3. "1" (yes): linked, and the flow goes on where it stopped, as a numbered list.
    replies = await phone.says("1")
    assert replies[0].startswith("Welcome back")
    assert "What is wrong with it?" in replies[-1] and "1. " in replies[-1]
    missing = next(line for line in replies[-1].splitlines() if "missing" in line)
    fix = await phone.says(missing.split(".", 1)[0])
    assert "How should we fix it?" in fix[-1]
    # One customer, two identities, one transcript in order.
    customer = await phone.customer()
    assert await runtime.store.resolve(whatsapp) == customer
    keys = {i.key for i in await runtime.store.identities(customer)}
    assert keys == {whatsapp.key, f"sms:{NUMBER}:+{WA_ID}"}
    history = await runtime.store.history(customer)
    said = [e.channel for e in history if e.kind == "inbound"]
    assert said[:3] == ["whatsapp"] * 3 and said[-1] == "sms"
    frames = [e for e in history if e.kind == "flow" and e.data.get("flow") == "report"]
    assert frames[0].data["state"] == "started"
    assert not [f for f in frames if f.data["state"] in ("abandoned", "cancelled")]
    _, profile = await runtime.store.load(customer)
    assert profile.phone == "+" + WA_ID and profile.phone_verified


async def test_declining_the_offer_keeps_two_customers(
        runtime: Runtime, platforms: tuple[FakeGraphAPI, FakeTwilio]) -> None:
    graph, twilio = platforms
    await whatsapp_says(runtime, graph, hooks.whatsapp_text(wa_id=WA_ID, text="hi"))
    phone = Texter(runtime, twilio, number="+" + WA_ID)
    await phone.says("hello")
    await phone.says("2")  # no
    whatsapp = Identity(channel="whatsapp", account="PNID", user_id=WA_ID)
    assert await runtime.store.resolve(whatsapp) != await phone.customer()
