"""The 24-hour windows: templates and tags outside them, ``OutsideWindow`` in the history
when nothing is configured, driven through the real dispatcher."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import pytest
from redis.asyncio import Redis

from bot.messages import Identity, Text
from bot.model import Delivery
from bot.runtime import Runtime
from connectors.meta import window
from tests.connectors.meta.conftest import Meta, connector_sections
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

WA = Identity(channel="whatsapp", account="PNID", user_id="34600111222")
MS = Identity(channel="messenger", account="PAGE_ID", user_id="6783214901234567")
Origin = Literal["bot", "operator", "system"]


@pytest.fixture
async def configured(make_settings: Any, graph: FakeGraphAPI,
                     redis: Redis) -> AsyncIterator[Runtime]:
    """A runtime with a WhatsApp template for operators and Messenger tags."""
    sections = connector_sections(graph, whatsapp={"templates": {
        "operator": {"name": "agent_reply", "language": "es"}}},
        messenger={"tags": {"operator": "HUMAN_AGENT", "system": "ACCOUNT_UPDATE"}})
    async with Runtime(make_settings(connectors=sections)) as rt:
        yield rt


async def _send(runtime: Runtime, to: Identity, text: str, origin: Origin,
                wrote_ago: float | None = None) -> str:
    customer = await runtime.store.resolve(to)
    if wrote_ago is not None:
        store = runtime.store
        await store.redis.hset(store.keys.customer(customer).last_inbound, to.key,
                               int((time.time() - wrote_ago) * 1000))
    delivery = Delivery(id=f"d{time.time_ns()}", customer_id=customer, to=to,
                        message=Text(text=text), origin=origin)
    await runtime.dispatcher.submit(customer, [delivery])
    await runtime.settle()
    return customer


async def _errors(runtime: Runtime, customer: str) -> list[str]:
    return [e.text or "" for e in await runtime.store.history(customer) if e.kind == "error"]


def test_window_rules() -> None:
    now = 1_000_000.0
    assert window.inside(now - 3600, now=now)
    assert not window.inside(now - 25 * 3600, now=now)
    assert not window.inside(None, now=now)
    two_days = now - 48 * 3600
    assert window.messenger_tag_allowed("HUMAN_AGENT", two_days, now=now)
    assert not window.messenger_tag_allowed("HUMAN_AGENT", now - 8 * 86400, now=now)
    assert window.messenger_tag_allowed("ACCOUNT_UPDATE", None, now=now)


# Proves docs/architecture.md invariant 5.
async def test_whatsapp_operator_message_outside_window_uses_the_template(
    configured: Runtime, graph: FakeGraphAPI
) -> None:
    await _send(configured, WA, "Your parcel left today", "operator", wrote_ago=30 * 3600)
    [call] = await graph.wait_for_whatsapp(1)
    assert call.json["type"] == "template"
    template = call.json["template"]
    assert (template["name"], template["language"]["code"]) == ("agent_reply", "es")
    assert template["components"][0]["parameters"][0]["text"] == "Your parcel left today"


async def test_whatsapp_inside_the_window_sends_free_text(
    configured: Runtime, graph: FakeGraphAPI
) -> None:
    await _send(configured, WA, "Hello from a person", "operator", wrote_ago=3600)
    [call] = await graph.wait_for_whatsapp(1)
    assert call.text == "Hello from a person"


async def test_whatsapp_outside_window_without_template_is_recorded(
    configured: Runtime, graph: FakeGraphAPI
) -> None:
    customer = await _send(configured, WA, "News!", "system")
    assert graph.whatsapp_sent == []
    [error] = await _errors(configured, customer)
    assert "outside the 24-hour window" in error and "templates.system" in error
    assert await configured.store.outbox.pending(customer) == []


async def test_whatsapp_131047_from_the_graph_is_outside_window(
    runtime: Runtime, meta: Meta, graph: FakeGraphAPI
) -> None:
    graph.fail_next("whatsapp", http_status=400, code=131047)
    await meta.whatsapp(hooks.whatsapp_text(wa_id=WA.user_id, text="/ticket"))
    customer = await runtime.store.resolve(WA)
    [error] = await _errors(runtime, customer)
    assert "window is closed" in error and graph.whatsapp_sent == []


async def test_messenger_operator_within_7_days_uses_human_agent(
    configured: Runtime, graph: FakeGraphAPI
) -> None:
    await _send(configured, MS, "A person here", "operator", wrote_ago=3 * 86400)
    [call] = await graph.wait_for_messenger(1)
    assert (call.json["messaging_type"], call.json["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


# Proves docs/architecture.md invariant 5.
async def test_messenger_outside_windows_fails_visibly(
    runtime: Runtime, graph: FakeGraphAPI
) -> None:
    customer = await _send(runtime, MS, "A person here", "operator", wrote_ago=8 * 86400)
    customer2 = await _send(runtime, Identity(channel="messenger", account="PAGE_ID",
                                              user_id="111"), "Promo", "system")
    assert graph.messenger_sent == []
    assert "HUMAN_AGENT" in (await _errors(runtime, customer))[0]
    assert "tags.system" in (await _errors(runtime, customer2))[0]
