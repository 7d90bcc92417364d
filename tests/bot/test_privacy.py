"""A customer's export and erasure, on a real running bot: a WhatsApp customer (a BSUID with
a phone number, so the connector keeps the number and the phone index holds it) who went
through a flow and asked for a person; and a second customer who must be left as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.messages import Identity
from bot.privacy import CustomerRecords, UnknownCustomer
from bot.runtime import Runtime
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fuzz.store_view import snapshot

PHONE = "34600777888"
BSUID = "ES.7770001"
OTHER = "34600111000"
DPO_TOKEN = "dpo-token-0123456789-abcdefghij"
CRM_TOKEN = "crm-token-0123456789-abcdefghij"


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis) -> AsyncIterator[Runtime]:
    async with FakeGraphAPI() as graph:
        whatsapp = {"access_token": "wa-token", "phone_number_id": "PNID",
                    "app_secret": "sec", "verify_token": "v", "graph_base": graph.base_url}
        tokens = [{"id": "dpo", "token": DPO_TOKEN,
                   "scopes": ["customers:read", "customers:erase"]},
                  {"id": "crm", "token": CRM_TOKEN,
                   "scopes": ["customers:read", "customers:write"]}]
        settings = make_settings(server={"port": 0}, api={"tokens": tokens},
                                 connectors={"webchat": {"enabled": False},
                                             "whatsapp": whatsapp})
        async with Runtime(settings) as rt:
            yield rt


async def says(runtime: Runtime, text: str, *, phone: str, bsuid: str | None = None) -> str:
    assert runtime.server is not None
    body, headers = hooks.signed_delivery(
        hooks.whatsapp_text(wa_id=phone, user_id=bsuid, text=text, name="Ana Pérez"), "sec")
    async with aiohttp.ClientSession() as http, http.post(
            f"{runtime.server.url}/webhooks/whatsapp", data=body, headers=headers) as answer:
        assert answer.status == 200
    await runtime.settle()
    user = bsuid or phone
    return await runtime.store.resolve(Identity(channel="whatsapp", account="PNID",
                                                user_id=user))


def records(runtime: Runtime) -> CustomerRecords:
    assert runtime.records is not None
    return runtime.records


async def everything(redis: Redis) -> str:
    """Every key and every value in the store, as one text to search in."""
    parts: list[str] = []
    async for raw in redis.scan_iter(count=1000):
        key = raw.decode() if isinstance(raw, bytes) else raw
        kind = (await redis.type(key)).decode()
        if kind == "string":
            value: Any = await redis.get(key)
        elif kind == "hash":
            value = await redis.hgetall(key)
        elif kind == "list":
            value = await redis.lrange(key, 0, -1)
        elif kind == "set":
            value = await redis.smembers(key)
        elif kind == "zset":
            value = await redis.zrange(key, 0, -1)
        elif kind == "stream":
            value = await redis.xrange(key)
        else:
            value = ""
        parts.append(f"{key} {value!r}")
    return "\n".join(parts)


async def test_the_export_holds_profile_identities_conversation_and_history(
        runtime: Runtime) -> None:
    customer = await says(runtime, "/ticket", phone=PHONE, bsuid=BSUID)
    document = await records(runtime).export(customer)
    assert document["customer_id"] == customer
    assert document["profile"]["name"] == "Ana Pérez"
    assert document["profile"]["phone"] == f"+{PHONE}"
    assert [i["user_id"] for i in document["identities"]] == [BSUID]
    assert document["conversation"]["stack"][0]["flow"] == "ticket"
    said = [e["text"] for e in document["history"] if e["kind"] == "inbound"]
    assert said == ["/ticket"]


async def test_an_erased_customer_leaves_nothing_personal_behind(
        runtime: Runtime, redis: Redis) -> None:
    customer = await says(runtime, "/ticket", phone=PHONE, bsuid=BSUID)
    await says(runtime, "T100", phone=PHONE, bsuid=BSUID)
    await says(runtime, "human", phone=PHONE, bsuid=BSUID)
    other = await says(runtime, "hola", phone=OTHER)
    before = await everything(redis)
    assert customer in before and PHONE in before and BSUID in before, "the test sees them"
    other_history = await runtime.store.history(other)

    erased = await records(runtime).erase(customer, actor="api:dpo")

    after = await everything(redis)
    for needle in (customer, PHONE, BSUID, "Ana Pérez", "T100"):
        assert needle not in after, needle
    assert erased.identities == 1 and erased.keys > 5
    assert await runtime.store.history(other) == other_history, "the other customer stays"
    [audit] = await records(runtime).erasure.audit_records()
    assert audit["action"] == "erased" and audit["actor"] == "api:dpo"
    assert customer not in str(audit)
    # Writing again is a new customer, as a stranger's first message would be.
    again = await says(runtime, "hola", phone=PHONE, bsuid=BSUID)
    assert again != customer
    assert [e.text for e in await runtime.store.history(again)
            if e.kind == "inbound"] == ["hola"]


async def test_an_unknown_customer_is_refused_and_nothing_changes(
        runtime: Runtime, redis: Redis) -> None:
    await says(runtime, "hola", phone=OTHER)
    before = await snapshot(redis)
    with pytest.raises(UnknownCustomer):
        await records(runtime).erase("0123456789abcdef", actor="api:dpo")
    with pytest.raises(UnknownCustomer):
        await records(runtime).export("0123456789abcdef")
    assert await snapshot(redis) == before


async def api(runtime: Runtime, method: str, path: str,
              token: str = DPO_TOKEN) -> tuple[int, Any]:
    assert runtime.server is not None
    async with aiohttp.ClientSession() as http, http.request(
            method, f"{runtime.server.url}/api/v1{path}",
            headers={"Authorization": f"Bearer {token}"}) as answer:
        return answer.status, await answer.json()


async def test_export_and_erasure_over_the_api(runtime: Runtime, redis: Redis) -> None:
    customer = await says(runtime, "/ticket", phone=PHONE, bsuid=BSUID)
    status, document = await api(runtime, "GET", f"/customers/{customer}/export")
    assert status == 200 and document["profile"]["phone"] == f"+{PHONE}"
    # Erasure needs its own scope: customers:write is not enough.
    before = await snapshot(redis)
    status, body = await api(runtime, "DELETE", f"/customers/{customer}", token=CRM_TOKEN)
    assert status == 403 and "customers:erase" in body["message"]
    assert await snapshot(redis) == before
    status, body = await api(runtime, "DELETE", f"/customers/{customer}")
    assert status == 200 and body["erased"]["identities"] == 1
    assert customer not in await everything(redis)
    [audit] = await records(runtime).erasure.audit_records()
    assert audit["actor"] == "api:dpo"
    for method, path in (("GET", f"/customers/{customer}/export"),
                         ("DELETE", f"/customers/{customer}")):
        status, body = await api(runtime, method, path)
        assert status == 404 and body["error"] == "unknown_customer"


async def test_every_api_route_is_in_the_openapi_document(runtime: Runtime) -> None:
    assert runtime.server is not None
    served = {(r.method.lower(), r.resource.canonical.removeprefix("/api/v1"))
              for r in runtime.server.app.router.routes()
              if r.resource is not None and r.resource.canonical.startswith("/api/v1/")
              and r.method != "HEAD"}
    status, document = await api(runtime, "GET", "/openapi.json")
    documented = {(method, path) for path, item in document["paths"].items()
                  for method in item}
    assert status == 200 and served - {("get", "/openapi.json")} <= documented, (
        served - documented)
