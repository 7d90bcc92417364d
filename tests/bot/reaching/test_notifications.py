"""``POST /api/v1/notifications`` over real HTTP, delivered through the fake platforms:
on the customer's current channel within its rules, once per Idempotency-Key however many
calls race, and every failure path answered with no side effect."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from bot.runtime import Runtime
from tests.bot.reaching.conftest import (
    PSID,
    READ_TOKEN,
    SEND_TOKEN,
    WA_ID,
    WRITE_TOKEN,
    Customer,
)
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

pytestmark = pytest.mark.timeout(60)

SHIPPED = {"template": "order_shipped", "to": {"phone": "+34 600 111 222"},
           "values": {"order": "A1002"}}


class Api:
    def __init__(self, http: aiohttp.ClientSession, runtime: Runtime) -> None:
        assert runtime.server is not None
        self.http, self.runtime, self.base = http, runtime, runtime.server.url + "/api/v1"

    async def call(self, method: str, path: str, body: Any = None, *,
                   token: str | None = SEND_TOKEN, key: str | None = "k-1",
                   settle: bool = True) -> tuple[int, dict[str, Any]]:
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        async with self.http.request(method, self.base + path, json=body,
                                     headers=headers) as response:
            answer = (response.status, await response.json())
        if settle:
            await self.runtime.settle()
        return answer

    async def notify(self, body: Any, **options: Any) -> tuple[int, dict[str, Any]]:
        return await self.call("POST", "/notifications", body, **options)


@pytest.fixture
def api(http: aiohttp.ClientSession, runtime: Runtime) -> Api:
    return Api(http, runtime)


async def close_whatsapp_window(customer: Customer) -> None:
    """The customer last wrote two days ago, as the store and the fake platform see it."""
    long_ago = time.time() - 48 * 3600
    ck = customer.runtime.store.keys.customer(await customer.id())
    await customer.runtime.store.redis.hset(ck.last_inbound, customer.whatsapp.key,
                                            int(long_ago * 1000))
    customer.graph.customer_wrote(WA_ID, at=long_ago)


async def test_sent_as_text_inside_the_whatsapp_window(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("hi")
    before = len(graph.whatsapp_sent)
    status, body = await api.notify(SHIPPED)
    assert status == 202, body
    assert body["customer_id"] == await customer.id() and body["channel"] == "whatsapp"
    [sent] = graph.whatsapp_sent[before:]
    assert sent.json["text"]["body"] == "Your order A1002 has shipped."
    [event] = [e for e in await customer.history() if e.data.get("notification")]
    assert event.kind == "outbound" and event.data["template"] == "order_shipped"
    assert event.data["by"] == "erp" and event.data["notification"] == body["id"]


async def test_outside_the_window_only_the_mapped_approved_template(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("español")  # the customer speaks Spanish from now on
    await close_whatsapp_window(customer)
    before = len(graph.whatsapp_sent)
    assert (await api.notify(SHIPPED))[0] == 202
    [sent] = graph.whatsapp_sent[before:]
    template = sent.json["template"]
    assert template["name"] == "order_update" and template["language"]["code"] == "es_ES"
    assert template["components"][0]["parameters"] == [{"type": "text", "text": "A1002"}]
    # A template with no WhatsApp mapping is refused with the reason, and nothing is sent.
    await api.call("PUT", f"/customers/{await customer.id()}/consents/marketing",
                   {"granted": True}, token=WRITE_TOKEN)
    status, body = await api.notify({"template": "weekly_offer", "to": SHIPPED["to"],
                                     "values": {"deal": "2x1"}}, key="k-2")
    assert status == 409 and "24-hour window" in body["message"]
    assert "notifications.templates.weekly_offer.platforms.whatsapp" in body["message"]
    assert len(graph.whatsapp_sent) == before + 1


async def test_marketing_needs_consent_and_stop_takes_it_back(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("hi")
    offer = {"template": "weekly_offer", "to": {"customer_id": await customer.id()},
             "values": {"deal": "2x1"}}
    before = len(graph.whatsapp_sent)
    status, body = await api.notify(offer, key="offer-1")
    assert status == 409 and "not consented to marketing" in body["message"]
    assert len(graph.whatsapp_sent) == before  # no consent: nothing sent
    status, _ = await api.call("PUT", f"/customers/{await customer.id()}/consents/marketing",
                               {"granted": True, "text": "Offers by WhatsApp?"},
                               token=WRITE_TOKEN)
    assert status == 202
    status, ledger = await api.call("GET", f"/customers/{await customer.id()}/consents",
                                    token=READ_TOKEN)
    assert status == 200 and ledger["consents"][0]["source"] == "api:crm"
    assert (await api.notify(offer, key="offer-2"))[0] == 202
    assert graph.whatsapp_sent[-1].json["text"]["body"] == "This week: 2x1."
    await customer.on_whatsapp("STOP")
    assert (await api.notify(offer, key="offer-3"))[0] == 409


async def test_messenger_outside_its_window_is_refused_with_the_reason(
        api: Api, runtime: Runtime, customer: Customer, graph: FakeGraphAPI) -> None:
    assert await customer.meta.messenger(hooks.messenger_text(psid=PSID, text="hi")) == 200
    from bot.messages import Identity

    messenger = Identity(channel="messenger", account="PAGE_ID", user_id=PSID)
    customer_id = await runtime.store.resolve(messenger)
    ck = runtime.store.keys.customer(customer_id)
    await runtime.store.redis.hset(ck.last_inbound, messenger.key,
                                   int((time.time() - 30 * 3600) * 1000))
    before = len(graph.messenger_sent)
    status, body = await api.notify({**SHIPPED, "to": {"customer_id": customer_id}})
    assert status == 409 and "messenger allows no message outside its 24-hour window" \
        in body["message"]
    assert len(graph.messenger_sent) == before


async def test_twenty_concurrent_identical_calls_send_once(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("hi")
    before = len(graph.whatsapp_sent)
    answers = await asyncio.gather(*(api.notify(SHIPPED, key="same", settle=False)
                                     for _ in range(20)))
    await customer.runtime.settle()
    assert {status for status, _ in answers} == {202}
    assert len({body["id"] for _, body in answers}) == 1
    assert len(graph.whatsapp_sent) == before + 1
    again = await api.notify(SHIPPED, key="same")  # later, the same answer, no send
    assert again == answers[0] and len(graph.whatsapp_sent) == before + 1
    status, body = await api.notify({**SHIPPED, "values": {"order": "B2"}}, key="same")
    assert status == 422 and body["error"] == "idempotency_key_reused"


async def test_failures_answer_clearly_and_change_nothing(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("hi")
    redis = customer.runtime.store.redis
    keys_before = sorted(await redis.keys("*"))
    sends_before = len(graph.whatsapp_sent)
    unknown = {**SHIPPED, "to": {"external_id": "erp:customer:404"}}
    assert (await api.notify(unknown))[0] == 404
    assert (await api.notify({**SHIPPED, "to": {"phone": "+1 202 555 0100"}}))[0] == 404
    assert (await api.notify({**SHIPPED, "to": {"customer_id": "nobody"}}))[0] == 404
    status, body = await api.notify({**SHIPPED, "values": {}})
    assert status == 422 and "order" in body["message"]
    assert (await api.notify({**SHIPPED, "template": "nope"}))[0] == 422
    assert (await api.notify(SHIPPED, token="wrong-token-0123456789"))[0] == 401
    assert (await api.notify(SHIPPED, token=None))[0] == 401
    assert (await api.notify(SHIPPED, token=READ_TOKEN))[0] == 403
    assert (await api.notify(SHIPPED, key=None))[0] == 400
    assert (await api.notify({**SHIPPED, "to": {}}))[0] == 400
    assert sorted(await redis.keys("*")) == keys_before  # no side effect at all
    assert len(graph.whatsapp_sent) == sends_before


async def test_nothing_is_sent_to_an_identity_marked_unreachable(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("hi")
    await customer.runtime.store.mark_unreachable(await customer.id(), customer.whatsapp,
                                                  "blocked the business")
    status, body = await api.notify(SHIPPED)
    assert status == 409 and "blocked the business" in body["message"]


async def test_found_by_an_attached_external_id_or_email(
        api: Api, customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("hi")
    path = f"/customers/{await customer.id()}/identifiers"
    status, _ = await api.call("POST", path, {"external_id": "erp:customer:987",
                                              "email": "Ana@Example.com"}, token=WRITE_TOKEN)
    assert status == 200
    by_external = {**SHIPPED, "to": {"external_id": "erp:customer:987"}}
    assert (await api.notify(by_external, key="x-1"))[1]["customer_id"] == await customer.id()
    by_email = {**SHIPPED, "to": {"email": "ana@example.com"}}
    assert (await api.notify(by_email, key="x-2"))[0] == 202
    assert (await api.call("POST", path, {"external_id": "erp:customer:987"},
                           token=SEND_TOKEN))[0] == 403


async def test_the_openapi_document_names_every_endpoint(api: Api) -> None:
    status, document = await api.call("GET", "/openapi.json", token=None)
    assert status == 200 and document["openapi"] == "3.1.0"
    assert {"/notifications", "/customers/{customer_id}/consents"} <= set(document["paths"])


async def test_the_web_chat_gets_it_live_or_when_the_visitor_is_back(
        api: Api, runtime: Runtime, http: aiohttp.ClientSession) -> None:
    from bot.messages import Identity
    from tests.connectors.webchat.test_webchat import connect

    browser, welcome = await connect(http, runtime)
    await browser.send(type="message", id="c1", text="hi")
    await browser.bot_says()
    customer_id = await runtime.store.resolve(
        Identity(channel="webchat", user_id=welcome["visitor"]))
    to = {"customer_id": customer_id}
    assert (await api.notify({**SHIPPED, "to": to}, key="w-1"))[0] == 202
    live = await browser.receive("message")
    assert live["text"] == "Your order A1002 has shipped."
    await browser.ws.close()
    assert (await api.notify({**SHIPPED, "to": to, "values": {"order": "B7"}},
                             key="w-2"))[0] == 202  # nobody connected: kept
    back, _ = await connect(http, runtime, token=welcome["token"])
    assert (await back.receive("message"))["text"] == "Your order B7 has shipped."
