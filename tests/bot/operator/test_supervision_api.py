"""The console's supervisor tools over HTTP: an operator is refused (403) every one of
them (and the analytics, offline to online included) and changes nothing; a supervisor
exports, erases only with the short id typed, and lists and replays dead letters (404
without event webhooks)."""

from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.bot.operator.console import whatsapp_customer
from tests.bot.test_privacy import everything

pytestmark = pytest.mark.timeout(60)


async def test_operators_are_refused_every_supervisor_tool(runtime: Runtime,
                                                          consoles: object) -> None:
    customer = await whatsapp_customer(runtime, "hola")
    ana = consoles()  # type: ignore[operator]
    assert (await ana.login("ana")).status == 200
    for path in (f"/customers/{customer}/export", "/dead-letters", "/analytics?days=7",
                 "/analytics.csv?days=7"):
        status, body = await ana.get(path)
        assert status == 403 and "supervisor" in body["error"], path
    for path, body in ((f"/customers/{customer}/erase", {"confirm": customer[:6]}),
                       ("/dead-letters/replay", {"customer_id": customer,
                                                 "subscription": "s", "event_id": "e"}),
                       ("/dead-letters/replay-all", {"subscription": "s"})):
        status, answer = await ana.post(path, body)
        assert status == 403 and "supervisor" in answer["error"], path
    assert await runtime.store.identities(customer), "nothing was erased"


async def test_a_supervisor_exports_and_erases_with_the_short_id(runtime: Runtime,
                                                                consoles: object) -> None:
    customer = await whatsapp_customer(runtime, "hola")
    sam = consoles()  # type: ignore[operator]
    assert (await sam.login("sam")).status == 200
    status, _ = await sam.get(f"/conversations/{customer}")  # leaves a read mark
    assert status == 200
    status, document = await sam.get(f"/customers/{customer}/export")
    assert status == 200 and document["customer_id"] == customer
    assert [e["text"] for e in document["history"] if e["kind"] == "inbound"] == ["hola"]

    status, body = await sam.post(f"/customers/{customer}/erase", {"confirm": "nope"})
    assert status == 400 and customer[:6] in body["error"]
    status, _ = await sam.post(f"/customers/{customer}/erase", {"confirm": customer[:6]},
                               csrf=False)
    assert status == 403, "the CSRF token is required"
    assert await runtime.store.identities(customer)

    status, body = await sam.post(f"/customers/{customer}/erase", {"confirm": customer[:6]})
    assert status == 200 and body["erased"]["identities"] == 1
    assert not await runtime.store.identities(customer)
    # The read mark the supervisor's console left went too (it named the customer).
    assert customer not in await everything(runtime.store.redis)
    assert runtime.records is not None
    [audit] = await runtime.records.erasure.audit_records()
    assert audit["actor"] == "operator:sam" and customer not in str(audit)
    status, _ = await sam.post(f"/customers/{customer}/erase", {"confirm": customer[:6]})
    assert status == 404
    status, _ = await sam.get(f"/customers/{customer}/export")
    assert status == 404


async def test_dead_letters_without_event_webhooks_say_so(runtime: Runtime,
                                                          consoles: object) -> None:
    sam = consoles()  # type: ignore[operator]
    assert (await sam.login("sam")).status == 200
    status, body = await sam.get("/dead-letters")
    assert status == 404 and "events.subscriptions" in body["error"]
