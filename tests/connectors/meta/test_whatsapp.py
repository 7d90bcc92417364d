"""WhatsApp: parsing every sample, and the demo flows over real HTTP against a fake Graph."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from bot.channels import DeliveryStatus
from bot.runtime import Runtime
from connectors.meta.whatsapp import WhatsAppConnector
from connectors.meta.whatsapp_parse import parse_delivery, parse_messages, parse_statuses
from tests.connectors.meta.conftest import Meta, history_of
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

WA_ID = "34600111222"


def test_parse_samples() -> None:
    text = parse_messages(hooks.load("whatsapp/text"), "PNID")[0]
    assert text.text and text.text.startswith("¡Hola!")
    assert text.identity.key == f"whatsapp:PNID:{WA_ID}"
    assert text.message_id.startswith("wamid.")
    assert text.sender.name == "Ana García" and text.sender.verified_phone == "+" + WA_ID
    listed = parse_messages(hooks.load("whatsapp/list_reply"), "PNID")[0]
    assert (listed.payload, listed.text) == ("size:m", "Talla M")
    button = parse_messages(hooks.load("whatsapp/button_reply"), "PNID")[0]
    assert (button.payload, button.text) == ("order:confirm", "Sí, confirmar")
    image = parse_messages(hooks.load("whatsapp/image"), "PNID")[0].attachments[0]
    assert (image.kind, image.file_id, image.mime_type) == ("image", "1097264868221404",
                                                            "image/jpeg")
    document = parse_messages(hooks.load("whatsapp/document"), "PNID")[0].attachments[0]
    assert (document.kind, document.name, document.caption) == (
        "file", "factura-2023-10.pdf", "Factura de octubre")
    place = parse_messages(hooks.load("whatsapp/location"), "PNID")[0].attachments[0]
    assert (place.kind, place.latitude, place.longitude, place.name) == (
        "location", 40.41553, -3.70742, "Plaza Mayor")
    contacts = parse_messages(hooks.load("whatsapp/contacts"), "PNID")[0].attachments
    assert [c.phone for c in contacts] == ["+34 600 33 34 44", "+34 910 000 000"]
    assert not any(c.own_phone for c in contacts)
    assert parse_messages(hooks.load("whatsapp/text"), "OTHER_NUMBER") == []
    assert parse_messages(hooks.load("whatsapp/status_read"), "PNID") == []


def test_a_returning_sender_shares_its_identity_and_hint_and_a_new_name_is_seen() -> None:
    """The parse reuses a sender's frozen ``Identity`` and ``SenderHint`` between their
    messages (a webhook's CPU); what changed between two messages is never hidden."""
    def parsed(wa_id: str, name: str) -> Any:
        [inbound] = parse_messages(hooks.whatsapp_text(wa_id=wa_id, text="hi", name=name,
                                                       phone_number_id="PNID"), "PNID")
        return inbound

    first, again = parsed("34600999001", "Ana"), parsed("34600999001", "Ana")
    assert first.identity is again.identity and first.sender is again.sender
    assert first.message_id != again.message_id
    renamed, other = parsed("34600999001", "Ana María"), parsed("34600999002", "Ana")
    assert renamed.sender.name == "Ana María" and renamed.identity is first.identity
    assert other.identity.user_id == "34600999002" and other.sender is not first.sender
    assert other.sender.verified_phone == "+34600999002"


def test_parse_statuses() -> None:
    for name in ("sent", "delivered", "read", "failed"):
        [status] = parse_statuses(hooks.load(f"whatsapp/status_{name}"), "PNID")
        assert status.status == name and status.identity.user_id == WA_ID
        assert status.platform_message_id.startswith("wamid.")
        assert (status.error is not None) == (name == "failed")
    [failed] = parse_statuses(hooks.load("whatsapp/status_failed"), "PNID")
    assert failed.error is not None and failed.error.startswith("131047")


def test_a_malformed_change_costs_only_itself_and_one_walk_reads_messages_and_statuses(
        caplog: Any) -> None:
    """The parse reads Meta's shape by plain indexing first; a change it cannot read that
    way (here: a value that is a list, a change of another field without metadata, one
    for another number, one without a field) sends the delivery through the checked walk,
    which keeps every readable change: the same answer either way."""
    message = hooks.whatsapp_text(wa_id=WA_ID, text="hola", phone_number_id="PNID")
    status = hooks.load("whatsapp/status_read")
    good = [*message["entry"][0]["changes"], *status["entry"][0]["changes"]]
    other_number = hooks.whatsapp_text(wa_id=WA_ID, text="no", phone_number_id="OTHER")
    odd: list[Any] = [{"field": "messages", "value": ["not", "a", "dict"]},
                      {"field": "account_update", "value": {"event": "x"}},
                      *other_number["entry"][0]["changes"], {"value": {}}, "nonsense"]
    clean = {"object": "whatsapp_business_account",
             "entry": [{"id": "W", "changes": good}]}
    mixed = {"object": "whatsapp_business_account",
             "entry": [{"id": "W", "changes": [odd[0], good[0]]},
                       {"id": "W", "changes": [*odd[1:], good[1]]}, "not an entry"]}
    for update in (clean, mixed):
        with caplog.at_level("DEBUG", logger="connectors.meta.whatsapp_parse"):
            inbounds, statuses = parse_delivery(update, "PNID")
        assert [i.text for i in inbounds] == ["hola"]
        assert [s.status for s in statuses] == ["read"]
        assert [i.message_id for i in parse_messages(update, "PNID")] == [
            inbounds[0].message_id]
        assert parse_statuses(update, "PNID") == statuses
    assert "delivery for phone number 'OTHER' skipped" in caplog.text
    assert parse_delivery({"entry": "no list"}, "PNID") == ([], [])
    assert parse_delivery({}, "PNID") == ([], [])


def test_outbound_bodies() -> None:
    from bot.messages import Choice, Choices, File, Image, RequestPhone
    from connectors.meta.whatsapp import (
        WhatsAppTemplate,
        choices_bodies,
        message_body,
        template_body,
    )

    image = message_body(WA_ID, Image(url="https://x.example/a.jpg", caption="A"))
    assert image["image"] == {"link": "https://x.example/a.jpg", "caption": "A"}
    doc = message_body(WA_ID, File(url="https://x.example/a.pdf", name="a.pdf"))
    assert doc["type"] == "document" and doc["document"]["filename"] == "a.pdf"
    phone = message_body(WA_ID, RequestPhone(text="Your number?", button="Share"))
    assert phone["text"]["body"] == "Your number?"
    long = Choices(text="x " * 700, choices=(Choice(payload="a", title="A" * 30),))
    first, buttons = choices_bodies(WA_ID, long, ["a"], "Menu")
    assert first["type"] == "text" and len(buttons["interactive"]["body"]["text"]) <= 1024
    assert len(buttons["interactive"]["action"]["buttons"][0]["reply"]["title"]) == 20
    template = template_body(WA_ID, WhatsAppTemplate(name="t"), "two\nlines")
    assert template["template"]["components"][0]["parameters"][0]["text"] == "two lines"


# Proves docs/architecture.md invariant 3.
async def test_store_failure_asks_meta_to_redeliver(
    meta: Meta, runtime: Runtime, graph: FakeGraphAPI
) -> None:
    from bot.errors import StoreError

    async def broken(messages: Any) -> None:
        raise StoreError("down")

    connector = runtime.connectors["whatsapp"]
    assert isinstance(connector, WhatsAppConnector) and connector._context is not None
    context = connector._context
    connector.webhook.bind(dataclasses.replace(context, sink=broken))
    payload = hooks.whatsapp_text(wa_id=WA_ID, text="/ticket")
    assert await meta.whatsapp(payload) == 503
    connector.webhook.bind(context)
    assert await meta.whatsapp(payload) == 200
    assert len(await graph.wait_for_whatsapp(1)) == 1


def _interactive(call: Any) -> dict[str, Any]:
    assert call.json["type"] == "interactive", call.json
    return dict(call.json["interactive"])


async def test_menu_is_a_list_and_a_list_tap_advances_the_flow(
    meta: Meta, graph: FakeGraphAPI
) -> None:
    assert await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="hi")) == 200
    sends = await graph.wait_for_whatsapp(1, to=WA_ID)
    menu = _interactive(sends[-1])
    assert menu["type"] == "list"
    rows = menu["action"]["sections"][0]["rows"]
    assert [r["title"] for r in rows] == [
        "Browse the shelf", "Check a ticket", "Report a fault", "Talk to a person",
        "Continue on another cha…", "Español"], "titles cut to WhatsApp's 24 characters"
    [report] = [r for r in rows if r["id"] == "menu:report"]
    before = len(graph.whatsapp_sent)
    await meta.whatsapp(hooks.whatsapp_list_reply(wa_id=WA_ID, row_id=report["id"],
                                                  title=report["title"]))
    [ask] = (await graph.wait_for_whatsapp(before + 1, to=WA_ID))[before:]
    assert ask.text == "Let's report a fault. What's the ticket number? (like T100)"


async def test_a_form_with_buttons_and_lists(meta: Meta, graph: FakeGraphAPI) -> None:
    await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="/report"))
    await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="T100"))
    parts = _interactive(graph.whatsapp_sent[-1])
    assert parts["type"] == "button"  # 2 parts: reply buttons
    assert [b["reply"]["id"] for b in parts["action"]["buttons"]] == ["screen", "cable"]
    await meta.whatsapp(hooks.whatsapp_button_reply(wa_id=WA_ID, button_id="screen", title="x"))
    problems = _interactive(graph.whatsapp_sent[-1])
    assert problems["type"] == "list"  # 4 problems: more than 3 buttons
    assert [r["id"] for r in problems["action"]["sections"][0]["rows"]] == [
        "broken", "missing", "noisy", "other"]
    await meta.whatsapp(hooks.whatsapp_list_reply(wa_id=WA_ID, row_id="missing", title="M"))
    fixes = _interactive(graph.whatsapp_sent[-1])
    assert fixes["type"] == "button"  # 2 fixes: reply buttons
    assert [(b["reply"]["id"], b["reply"]["title"]) for b in fixes["action"]["buttons"]] == [
        ("repair", "Repair it"), ("replace", "Replace it")]
    assert not graph.rejected


async def test_a_batch_gets_one_reply_per_message_and_a_redelivery_none(
    meta: Meta, graph: FakeGraphAPI
) -> None:
    people = [f"3460000{i:04d}" for i in range(5)]
    batch = hooks.whatsapp_batch([hooks.whatsapp_text(wa_id=p, text="/ticket") for p in people])
    assert await meta.whatsapp(batch) == 200
    await graph.wait_for_whatsapp(5)
    assert await meta.whatsapp(batch) == 200  # Meta delivers at least once
    assert sorted(c.to for c in graph.whatsapp_sent) == people


# Proves docs/architecture.md invariant 2.
async def test_the_same_message_twice_is_answered_once(meta: Meta, graph: FakeGraphAPI) -> None:
    payload = hooks.whatsapp_text(wa_id=WA_ID, text="/ticket", message_id=hooks.new_wamid())
    await meta.whatsapp(payload)
    await meta.whatsapp(payload)
    await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="T300"))
    assert [c.text for c in graph.whatsapp_sent] == [
        "What's your ticket number? It looks like T123.", "Ticket T300 is closed."]


async def test_sample_batch_is_parsed_whole(meta: Meta, runtime: Runtime,
                                            graph: FakeGraphAPI) -> None:
    batch = hooks.load("whatsapp/batch")
    messages = parse_messages(batch, "PNID")
    assert len(messages) == 9
    assert await meta.whatsapp(batch) == 200
    history = await history_of(runtime, "whatsapp", WA_ID)
    assert sum(e.kind == "inbound" for e in history) == sum(
        m.identity.user_id == WA_ID for m in messages)


async def test_sender_phone_is_stored_verified(meta: Meta, runtime: Runtime) -> None:
    await meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text="hi", name="Ana"))
    from bot.messages import Identity

    customer = await runtime.store.resolve(Identity(channel="whatsapp", account="PNID",
                                                    user_id=WA_ID))
    _, profile = await runtime.store.load(customer)
    assert profile.phone == "+" + WA_ID and profile.phone_verified and profile.name == "Ana"


async def test_statuses_reach_the_status_sink(meta: Meta, runtime: Runtime) -> None:
    # The runtime does not wire a status sink yet: the test binds its own.
    seen: list[DeliveryStatus] = []

    async def record(status: DeliveryStatus) -> None:
        seen.append(status)

    connector = runtime.connectors["whatsapp"]
    assert isinstance(connector, WhatsAppConnector) and connector._context is not None
    connector.webhook.bind(dataclasses.replace(connector._context, status=record))
    for name in ("sent", "delivered", "read", "failed"):
        assert await meta.whatsapp(hooks.load(f"whatsapp/status_{name}")) == 200
    assert [s.status for s in seen] == ["sent", "delivered", "read", "failed"]
    assert seen[-1].error and "131047" in seen[-1].error


async def test_long_payloads_map_back_through_a_short_id(
    runtime: Runtime, meta: Meta, graph: FakeGraphAPI
) -> None:
    from bot.channels import SendContext
    from bot.messages import Choice, Choices, Identity

    connector = runtime.connectors["whatsapp"]
    long_payload = "product:" + "x" * 400
    await connector.send(Identity(channel="whatsapp", account="PNID", user_id=WA_ID),
                         Choices(text="Pick", choices=(Choice(payload=long_payload, title="A"),
                                                      Choice(payload="b", title="B"))),
                         key="", context=SendContext.known(time.time()))
    [call] = await graph.wait_for_whatsapp(1)
    short = call.json["interactive"]["action"]["buttons"][0]["reply"]["id"]
    assert len(short) <= 200
    parsed: list[Any] = []
    original = runtime.pipeline.submit

    async def capture(messages: Any) -> None:
        parsed.extend(messages)
        await original(messages)

    assert isinstance(connector, WhatsAppConnector) and connector._context is not None
    connector.webhook.bind(dataclasses.replace(connector._context, sink=capture))
    await meta.whatsapp(hooks.whatsapp_button_reply(wa_id=WA_ID, button_id=short, title="A"))
    assert parsed[0].payload == long_payload
