"""The customer API over real HTTP against a real runtime: one customer on WhatsApp and
SMS (linked) is one record found by phone, e-mail, external id and tag; a PATCH is
applied in the customer's turn; every list pages by cursor without skipping or doubling
anyone while customers are added; each endpoint refuses a token without its scope; no
token is ever logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.runtime import Runtime
from tests.bot.reaching.conftest import (
    READ_TOKEN,
    SEND_TOKEN,
    TALK_TOKEN,
    WRITE_TOKEN,
    Customer,
)
from tests.bot.reaching.test_notifications import Api, api
from tests.fakes import meta_webhooks as hooks

pytestmark = pytest.mark.timeout(90)
__all__ = ["api"]  # the fixture, shared with the notifications tests


async def read(api: Api, path: str, token: str = READ_TOKEN) -> tuple[int, dict[str, Any]]:
    return await api.call("GET", path, token=token, key=None, settle=False)


async def write(api: Api, path: str, body: Any, token: str = WRITE_TOKEN,
                method: str = "PATCH") -> tuple[int, dict[str, Any]]:
    return await api.call(method, path, body, token=token, key=None)


async def new_customer(customer: Customer, wa_id: str, *, tag: str | None) -> str:
    """Someone else who writes on WhatsApp, tagged through the API."""
    assert await customer.meta.whatsapp(hooks.whatsapp_text(wa_id=wa_id, text="hi")) == 200
    await customer.runtime.settle()
    customer_id = await customer.runtime.store.resolve(
        customer.whatsapp.model_copy(update={"user_id": wa_id}))
    if tag is not None:
        assert (await write(customer_api(customer), f"/customers/{customer_id}",
                            {"tags": [tag]}))[0] == 202
    assert customer.runtime.indexer is not None
    await customer.runtime.indexer.flush()
    return customer_id


def customer_api(customer: Customer) -> Api:
    return Api(customer.meta.http, customer.runtime)


async def test_a_customer_on_two_linked_channels_is_one_record(api: Api,
                                                               customer: Customer) -> None:
    await customer.on_whatsapp("hi from whatsapp")
    await customer.link_sms()
    await customer.phone.says("and hello by sms")
    customer_id = await customer.id()
    assert (await write(api, f"/customers/{customer_id}/identifiers",
                        {"external_id": "crm:hubspot:123", "email": "Ana@Example.com"},
                        method="POST"))[0] == 200

    status, record = await read(api, f"/customers/{customer_id}")
    assert status == 200 and record["customer_id"] == customer_id
    assert {i["channel"] for i in record["identities"]} == {"whatsapp", "sms"}
    assert record["external_ids"] == ["crm:hubspot:123"]
    assert record["emails"] == ["ana@example.com"]
    assert set(record["profile"]) >= {"name", "phone", "email", "locale"}

    for lookup in ("external_id=crm:hubspot:123", "email=ana@example.com",
                   "phone=%2B34600111222"):
        status, found = await read(api, f"/customers?{lookup}")
        assert status == 200, found
        assert [c["customer_id"] for c in found["customers"]] == [customer_id], lookup
        assert found["next_cursor"] is None
    status, found = await read(api, "/customers?external_id=crm:hubspot:999")
    assert status == 200 and found["customers"] == []

    status, listed = await read(api, f"/customers/{customer_id}/identities")
    assert status == 200 and len(listed["identities"]) == 2
    first = (await read(api, f"/customers/{customer_id}/identities?limit=1"))[1]
    rest = (await read(api, f"/customers/{customer_id}/identities?limit=1"
                            f"&cursor={first['next_cursor']}"))[1]
    assert rest["next_cursor"] is None
    assert first["identities"] + rest["identities"] == listed["identities"]
    status, transcript = await read(api, f"/customers/{customer_id}/transcript",
                                    token=TALK_TOKEN)
    assert status == 200
    inbound = [(m["channel"], m["text"]) for m in transcript["messages"]
               if m["direction"] == "in"]
    assert inbound == [("whatsapp", "hi from whatsapp"), ("sms", "and hello by sms")]
    assert {m["channel"] for m in transcript["messages"] if m["direction"] == "out"} \
        <= {"whatsapp", "sms"}


async def test_a_patch_is_applied_in_the_customers_turn(api: Api, customer: Customer) -> None:
    await customer.on_whatsapp("hi")
    path = f"/customers/{await customer.id()}"
    status, body = await write(api, path, {"name": "Ana Ruiz", "tags": ["vip", "vip", "b2b"],
                                           "locale": "es"})
    assert status == 202 and body["changes"]["tags"] == ["vip", "b2b"]
    record = (await read(api, path))[1]
    assert record["profile"]["name"] == "Ana Ruiz" and record["tags"] == ["vip", "b2b"]
    assert record["profile"]["locale"] == "es"
    [edit] = [e for e in await customer.history() if e.kind == "profile"]
    assert edit.data["operator"] == "api:crm" and edit.data["changes"]["name"][1] == "Ana Ruiz"
    found = (await read(api, "/customers?tag=VIP"))[1]["customers"]
    assert [c["customer_id"] for c in found] == [await customer.id()]
    for wrong in ({}, {"mode": "human"}, {"phone": "600111222"}, {"tags": "vip"},
                  {"email": "nope"}):
        status, problem = await write(api, path, wrong)
        assert status == 400 and problem["error"] == "invalid_request", wrong
    assert (await write(api, "/customers/nobody", {"name": "x"}))[0] == 404
    assert (await read(api, path))[1]["profile"]["name"] == "Ana Ruiz"


async def test_tag_pages_skip_and_double_nobody_while_customers_are_added(
        api: Api, customer: Customer) -> None:
    tagged = {await new_customer(customer, f"3460000{n:04d}", tag="spring")
              for n in range(12)}
    await new_customer(customer, "34699999999", tag="autumn")
    seen: list[str] = []
    cursor: str | None = None
    added = 0
    while True:
        query = "/customers?tag=spring&limit=5" + (f"&cursor={cursor}" if cursor else "")
        status, page = await read(api, query)
        assert status == 200 and len(page["customers"]) <= 5
        seen += [c["customer_id"] for c in page["customers"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        await new_customer(customer, f"3461111{added:04d}", tag="spring")  # while paging
        added += 1
    assert len(seen) == len(set(seen)) and set(seen) == tagged


async def test_the_transcript_pages_in_order_as_messages_come_in(
        api: Api, customer: Customer) -> None:
    for n in range(3):
        await customer.on_whatsapp(f"message {n}")
    path = f"/customers/{await customer.id()}/transcript?limit=2"
    texts: list[str] = []
    status, page = await read(api, path, token=TALK_TOKEN)
    while True:
        assert status == 200 and len(page["messages"]) <= 2
        texts += [m["text"] for m in page["messages"] if m["direction"] == "in"]
        if page["next_cursor"] is None:
            break
        if len(texts) == 1:
            await customer.on_whatsapp("said while paging")
        status, page = await read(api, f"{path}&cursor={page['next_cursor']}",
                                  token=TALK_TOKEN)
    assert texts == ["message 0", "message 1", "message 2", "said while paging"]
    bare = path.removesuffix("?limit=2")
    for bad in ("cursor=not-a-cursor", "limit=0", "limit=201", "limit=x"):
        status, problem = await read(api, f"{bare}?{bad}", token=TALK_TOKEN)
        assert status == 400 and problem["error"] in ("invalid_cursor", "invalid_limit")
    # One list's cursor is refused by another.
    status, first = await read(api, path, token=TALK_TOKEN)
    elsewhere = bare.replace("/transcript", "/identities")
    status, problem = await read(api, f"{elsewhere}?cursor={first['next_cursor']}")
    assert status == 400 and problem["error"] == "invalid_cursor"


@pytest.mark.parametrize(("method", "path", "scope"), [
    ("GET", "/customers/{id}", "customers:read"),
    ("PATCH", "/customers/{id}", "customers:write"),
    ("GET", "/customers?tag=vip", "customers:read"),
    ("GET", "/customers/{id}/identities", "customers:read"),
    ("GET", "/customers/{id}/transcript", "conversations:read"),
])
async def test_each_endpoint_refuses_a_token_without_its_scope(
        api: Api, customer: Customer, method: str, path: str, scope: str) -> None:
    await customer.on_whatsapp("hi")
    where = path.replace("{id}", await customer.id())
    body = {"name": "x"} if method == "PATCH" else None
    status, problem = await api.call(method, where, body, token=SEND_TOKEN, key=None)
    assert status == 403 and scope in problem["message"]
    assert (await api.call(method, where, body, token=None, key=None))[0] == 401
    assert (await api.call(method, where, body, token="x" * 30, key=None))[0] == 401


async def test_no_token_is_ever_logged(api: Api, customer: Customer, runtime: Runtime,
                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await customer.on_whatsapp("hi")
    customer_id = await customer.id()
    await read(api, f"/customers/{customer_id}")
    await write(api, f"/customers/{customer_id}", {"name": "Ana"})
    await read(api, f"/customers/{customer_id}/transcript", token=TALK_TOKEN)
    await read(api, f"/customers/{customer_id}", token=SEND_TOKEN)
    await read(api, f"/customers/{customer_id}", token="wrong-token-0123456789")
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records, "the run logged nothing: the check would prove nothing"
    for token in (READ_TOKEN, WRITE_TOKEN, TALK_TOKEN, SEND_TOKEN, "wrong-token-0123456789"):
        assert token not in logged


async def test_the_reference_page_shows_every_operation_from_the_bot_itself(
        api: Api, runtime: Runtime) -> None:
    _, document = await api.call("GET", "/openapi.json", token=None, key=None, settle=False)
    async with api.http.get(api.base + "/docs") as answer:
        assert answer.status == 200 and answer.content_type == "text/html"
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
        html = await answer.text()
    for path, item in document["paths"].items():
        for method in item:
            assert f'<span class="m">{method}</span><code>/api/v1{path}</code>' in html, path
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<script" not in html and "src=" not in html and 'href="http' not in html
    async with api.http.get(api.base + "/docs.css") as answer:
        assert answer.status == 200 and answer.content_type == "text/css"
