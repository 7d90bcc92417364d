"""WhatsApp business-scoped user ids (BSUIDs, 2026): BSUID-only, BSUID-plus-phone and
phone-only deliveries, the two system messages that re-key a user, statuses by
``recipient_user_id``, sends by ``recipient``; and an upgrade from identities stored by
phone number, the way the connector stored them before BSUIDs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.messages import Identity, Text
from bot.model import Delivery
from bot.runtime import Runtime
from connectors.meta.whatsapp import message_body
from connectors.meta.whatsapp_parse import parse_messages, parse_statuses
from tests.connectors.meta.conftest import Meta, connector_sections
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

PHONE = "34600111222"
BSUID = "ES.13491208655302741918"
PARENT = "ES.ENT.11815799212886844830"
NEW_PHONE = "34600999888"
NEW_BSUID = "ES.88812345678901234567"
TOKEN = "helpdesk-token-123"


def wa(user_id: str) -> Identity:
    return Identity(channel="whatsapp", account="PNID", user_id=user_id)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI(phone_only_templates=frozenset({"login_code"})) as fake:
        yield fake


@pytest.fixture
async def runtime(make_settings: Any, graph: FakeGraphAPI, redis: Redis) -> AsyncIterator[Runtime]:
    sections = connector_sections(graph, whatsapp={
        "templates": {"operator": {"name": "login_code"}}})
    settings = make_settings(connectors=sections, handoff={
        "operators": [{"id": "desk", "name": "Helpdesk", "token": TOKEN,
                       "role": "supervisor"}]})
    async with Runtime(settings) as rt:
        yield rt


async def customer_of(runtime: Runtime, user_id: str) -> str:
    return await runtime.store.resolve(wa(user_id))


async def replies(graph: FakeGraphAPI, count: int) -> list[Any]:
    return await graph.wait_for_whatsapp(count, timeout=5)


# -- parsing (pure) ------------------------------------------------------------------------


def test_each_kind_of_delivery_names_the_sender_by_bsuid_and_vouches_only_a_sent_phone(
) -> None:
    [only] = parse_messages(hooks.whatsapp_text(user_id=BSUID, username="@ana", text="hi"),
                            "PNID")
    assert only.identity == wa(BSUID) and only.aliases == ()
    assert only.sender.verified_phone is None and only.sender.username == "@ana"
    [both] = parse_messages(hooks.whatsapp_text(wa_id=PHONE, user_id=BSUID, text="hi"), "PNID")
    assert both.identity == wa(BSUID) and both.aliases == (wa(PHONE),)
    assert both.sender.verified_phone == "+" + PHONE and both.sender.name == "Ana"
    [parent] = parse_messages(hooks.whatsapp_text(wa_id=PHONE, user_id=BSUID,
                                                  parent_user_id=PARENT, text="hi"), "PNID")
    assert parent.identity == wa(PARENT) and parent.aliases == (wa(BSUID), wa(PHONE))
    [phone] = parse_messages(hooks.whatsapp_text(wa_id=PHONE, text="hi"), "PNID")
    assert phone.identity == wa(PHONE) and phone.aliases == ()
    assert phone.sender.verified_phone == "+" + PHONE


def test_system_messages_are_identity_notices() -> None:
    [number] = parse_messages(hooks.whatsapp_changed_number(
        old_wa_id=PHONE, new_wa_id=NEW_PHONE, new_user_id=NEW_BSUID, previous_user_id=BSUID),
        "PNID")
    assert number.notice == "identity_changed" and number.identity == wa(NEW_BSUID)
    assert number.aliases == (wa(BSUID), wa(PHONE))
    assert number.sender.verified_phone == "+" + NEW_PHONE
    [user_id] = parse_messages(hooks.whatsapp_changed_user_id(
        user_id=NEW_BSUID, previous_user_id=BSUID), "PNID")
    assert user_id.notice == "identity_changed" and user_id.identity == wa(NEW_BSUID)
    assert user_id.aliases == (wa(BSUID),) and user_id.sender.verified_phone is None


def test_statuses_are_matched_by_recipient_user_id() -> None:
    [bsuid] = parse_statuses(hooks.whatsapp_status(wamid="wamid.A", status="delivered",
                                                   recipient_user_id=BSUID), "PNID")
    assert bsuid.identity == wa(BSUID) and bsuid.aliases == ()
    [both] = parse_statuses(hooks.whatsapp_status(wamid="wamid.B", status="read",
                                                  recipient_id=PHONE,
                                                  recipient_user_id=BSUID), "PNID")
    assert both.identity == wa(BSUID) and both.aliases == (wa(PHONE),)


def test_a_bsuid_is_addressed_as_recipient_and_a_phone_as_to() -> None:
    by_bsuid = message_body(BSUID, Text(text="hola"))
    assert by_bsuid["recipient"] == BSUID and "to" not in by_bsuid
    by_phone = message_body(PHONE, Text(text="hola"))
    assert by_phone["to"] == PHONE and "recipient" not in by_phone


# -- over real HTTP --------------------------------------------------------------------------


async def test_a_bsuid_only_customer_converses_and_is_recognised(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    """Dropped before BSUIDs: a message without ``from`` was answered 200 and ignored."""
    assert await meta.whatsapp(hooks.whatsapp_text(user_id=BSUID, username="@ana",
                                                   text="/ticket")) == 200
    [ask] = await replies(graph, 1)
    assert ask.json["recipient"] == BSUID and "to" not in ask.json
    assert ask.text == "What's your ticket number? It looks like T123."
    await meta.whatsapp(hooks.whatsapp_text(user_id=BSUID, username="@ana", text="T300"))
    _, answer = await replies(graph, 2)
    assert answer.text == "Ticket T300 is closed.", "the same customer, the same flow"
    customer = await customer_of(runtime, BSUID)
    history = await runtime.store.history(customer)
    assert [e.text for e in history if e.kind == "inbound"] == ["/ticket", "T300"]
    session, profile = await runtime.store.load(customer)
    assert profile.username == "@ana"
    assert runtime.server is not None  # the operator console shows the username
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http, \
            http.get(f"{runtime.server.url}/operator/api/conversations/{customer}") as got:
        assert (await got.json())["profile"]["username"] == "@ana"
    # A BSUID alone proves no phone number: nothing to link by, nothing vouched.
    assert profile.phone is None and not profile.phone_verified
    assert session.pending_link is None


async def test_an_upgrade_keeps_a_customer_stored_by_phone_number(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI, redis: Redis
) -> None:
    # Before BSUIDs: a phone-only delivery, stored keyed by the phone digits.
    await meta.whatsapp(hooks.whatsapp_text(wa_id=PHONE, text="/ticket"))
    await replies(graph, 1)
    customer = await customer_of(runtime, PHONE)
    assert await redis.get(f"omni:id:whatsapp:PNID:{PHONE}") == customer.encode()
    assert await redis.hkeys(f"omni:{{c:{customer}}}:ids") == [
        f"whatsapp:PNID:{PHONE}".encode()]
    runtime.store.forget_identities()  # as after a restart on the new version
    # After: the BSUID comes with the phone number; the flow goes on for the same customer.
    await meta.whatsapp(hooks.whatsapp_text(wa_id=PHONE, user_id=BSUID, text="T300"))
    _, answer = await replies(graph, 2)
    assert answer.text == "Ticket T300 is closed."
    assert answer.json["to"] == PHONE, "a known number is preferred, as Meta recommends"
    assert await customer_of(runtime, BSUID) == customer
    # Later the number is withheld: the BSUID alone still reaches them.
    await meta.whatsapp(hooks.whatsapp_text(user_id=BSUID, text="thanks"))
    await replies(graph, 3)
    assert await customer_of(runtime, BSUID) == customer
    history = await runtime.store.history(customer)
    assert [e.text for e in history if e.kind == "inbound"] == ["/ticket", "T300", "thanks"]


async def test_a_number_change_keeps_the_customer_and_moves_their_address(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI, http: aiohttp.ClientSession
) -> None:
    await meta.whatsapp(hooks.whatsapp_text(wa_id=PHONE, user_id=BSUID, text="/ticket"))
    await replies(graph, 1)
    customer = await customer_of(runtime, BSUID)
    assert await meta.whatsapp(hooks.whatsapp_changed_number(
        old_wa_id=PHONE, new_wa_id=NEW_PHONE, new_user_id=NEW_BSUID,
        previous_user_id=BSUID)) == 200
    assert len(graph.whatsapp_sent) == 1, "a notice is not answered"
    session, profile = await runtime.store.load(customer)
    assert session.address == wa(NEW_BSUID) and session.frame is not None
    assert (profile.phone, profile.phone_verified) == ("+" + NEW_PHONE, True)
    # An operator takes over before the customer writes again: the reply goes to the new
    # BSUID, never to the old number (it may be someone else's now).
    assert runtime.server is not None
    base = f"{runtime.server.url}/operator/api/conversations/{customer}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for action, body in (("take", {}), ("reply", {"text": "Hola, soy del equipo"})):
        async with http.post(f"{base}/{action}", json=body, headers=headers) as response:
            assert response.status == 200, await response.text()
    sent = await replies(graph, 3)
    assert [c.json.get("to") for c in sent[1:]] == [NEW_PHONE, NEW_PHONE]
    await meta.whatsapp(hooks.whatsapp_text(wa_id=NEW_PHONE, user_id=NEW_BSUID,
                                            text="T300"))
    assert await customer_of(runtime, NEW_BSUID) == customer
    history = await runtime.store.history(customer)
    assert [e.text for e in history if e.kind == "inbound"] == ["/ticket", "T300"]
    async with http.get(base, headers=headers) as response:
        view = await response.json()
    assert {i["user_id"] for i in view["identities"]} == {NEW_BSUID}
    # The old ids are retired: a message from them now is someone new, and whoever has
    # the old number now is not offered this customer's conversation.
    assert await customer_of(runtime, PHONE) != customer
    assert await customer_of(runtime, BSUID) != customer
    await meta.whatsapp(hooks.whatsapp_text(wa_id=PHONE, user_id="ES.5550001", text="hola"))
    stranger, _ = await runtime.store.load(await customer_of(runtime, "ES.5550001"))
    assert stranger.pending_link is None


async def test_a_bsuid_change_keeps_the_flow_in_progress(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    await meta.whatsapp(hooks.whatsapp_text(user_id=BSUID, text="/ticket"))
    await replies(graph, 1)
    customer = await customer_of(runtime, BSUID)
    await meta.whatsapp(hooks.whatsapp_changed_user_id(user_id=NEW_BSUID,
                                                       previous_user_id=BSUID))
    await meta.whatsapp(hooks.whatsapp_text(user_id=NEW_BSUID, text="T300"))
    _, answer = await replies(graph, 2)
    assert answer.json["recipient"] == NEW_BSUID
    assert answer.text == "Ticket T300 is closed."
    assert await customer_of(runtime, NEW_BSUID) == customer
    history = await runtime.store.history(customer)
    assert [e.kind for e in history].count("link") == 1


async def test_statuses_of_bsuid_sends_reach_the_customer_history(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    await meta.whatsapp(hooks.whatsapp_text(user_id=BSUID, text="/ticket"))
    [sent] = await replies(graph, 1)
    customer = await customer_of(runtime, BSUID)
    await meta.whatsapp(hooks.whatsapp_status(wamid=sent.message_id, status="read",
                                              recipient_user_id=BSUID))
    history = await runtime.store.history(customer)
    [read] = [e for e in history if e.kind == "delivery"]
    assert read.data["platform_message_id"] == sent.message_id and read.text == "read"


async def test_a_status_names_a_phone_keyed_customer_by_bsuid_without_splitting_them(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    await meta.whatsapp(hooks.whatsapp_text(wa_id=PHONE, text="/ticket"))
    [sent] = await replies(graph, 1)
    customer = await customer_of(runtime, PHONE)
    await meta.whatsapp(hooks.whatsapp_status(wamid=sent.message_id, status="delivered",
                                              recipient_id=PHONE, recipient_user_id=BSUID))
    assert await customer_of(runtime, BSUID) == customer
    assert [e.text for e in await runtime.store.history(customer)
            if e.kind == "delivery"] == ["delivered"]


async def test_a_known_number_is_sent_to_from_any_process(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    from connectors.meta.whatsapp import WhatsAppConnector
    from connectors.meta.whatsapp_phones import KnownPhones

    await meta.whatsapp(hooks.whatsapp_text(wa_id=PHONE, user_id=BSUID, text="hi"))
    await replies(graph, 1)
    connector = runtime.connectors["whatsapp"]
    assert isinstance(connector, WhatsAppConnector)
    connector.phones = KnownPhones()  # another process: nothing in memory
    customer = await customer_of(runtime, BSUID)
    await runtime.dispatcher.submit(customer, [Delivery(
        id="op-1", customer_id=customer, to=wa(BSUID), message=Text(text="Hola"),
        origin="operator")])
    sent = await replies(graph, 2)
    assert sent[-1].json["to"] == PHONE and "recipient" not in sent[-1].json


async def test_a_refused_bsuid_recipient_is_a_clear_error_in_the_transcript(
    runtime: Runtime, graph: FakeGraphAPI
) -> None:
    # Never wrote on this identity: outside the window, only the (phone-only) template.
    customer = await customer_of(runtime, BSUID)
    await runtime.dispatcher.submit(customer, [Delivery(
        id="op-1", customer_id=customer, to=wa(BSUID), message=Text(text="Your code"),
        origin="operator")])
    await runtime.settle()
    assert [code for _, _, code in graph.rejected] == [131062]
    [error] = [e for e in await runtime.store.history(customer) if e.kind == "error"]
    assert "business-scoped user id" in (error.text or "") and "131062" in (error.text or "")


async def test_the_fake_graph_answers_bsuid_sends_as_meta_does(
    graph: FakeGraphAPI, http: aiohttp.ClientSession
) -> None:
    url = f"{graph.base_url}/v21.0/PNID/messages"
    headers = {"Authorization": "Bearer wa-token"}
    base = {"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}
    async with http.post(url, json={**base, "recipient": BSUID}, headers=headers) as response:
        assert (await response.json())["contacts"] == [{"input": BSUID, "user_id": BSUID}]
    both = {**base, "recipient": BSUID, "to": PHONE}
    async with http.post(url, json=both, headers=headers) as response:
        assert (await response.json())["contacts"][0]["wa_id"] == PHONE, "to wins"
    async with http.post(url, json={**base, "recipient": PHONE}, headers=headers) as response:
        assert response.status == 400, "a recipient must be a BSUID"
    assert [c.to for c in graph.whatsapp_sent] == [BSUID, PHONE]
