"""The desk's search over real HTTP: who finds what, the lists of recent and resolved
conversations, reopening one, and resolving after a hand back."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from tests.bot.operator.console import whatsapp_customer


async def ids(console: Any, query: str) -> list[str]:
    status, body = await console.get(f"/search?{query}")
    assert status == 200, body
    return [item["customer_id"] for item in body["items"]]


async def test_an_operator_finds_the_queue_and_their_own_past_conversations(
    runtime: Runtime, consoles: Any,
) -> None:
    await whatsapp_customer(runtime, "my order A-7731 is late")
    customer = await whatsapp_customer(runtime, "human")
    ana, bo, sam = consoles(), consoles(), consoles()
    for console, name in ((ana, "ana"), (bo, "bo"), (sam, "sam")):
        await console.login(name)
    assert await ids(ana, "q=A-7731") == [customer], "queued: every operator finds it"
    assert await ids(bo, "q=late&status=queued&channel=whatsapp") == [customer]
    status, found = await ana.get("/search?q=a-7731")
    item = found["items"][0]
    assert item["status"] == "queued" and item["channels"] == ["whatsapp"]
    assert item["match"] == "my order A-7731 is late"
    assert item["display_name"]

    assert (await ana.post(f"/conversations/{customer}/take"))[0] == 200
    assert (await ana.post(f"/conversations/{customer}/resolve"))[0] == 200
    await runtime.settle()
    assert await ids(ana, "status=resolved") == [customer], "hers, resolved"
    assert await ids(ana, "operator=ana") == [customer]
    assert await ids(bo, "q=A-7731") == [], "not his"
    assert (await bo.get(f"/conversations/{customer}"))[0] == 403
    assert await ids(sam, "status=resolved") == [customer], "a supervisor finds everything"
    assert await ids(sam, "") == [customer], "the recent list"
    assert (await ana.get(f"/conversations/{customer}"))[0] == 200, "she may read it again"

    assert (await bo.post(f"/conversations/{customer}/reopen"))[0] == 403
    status, body = await ana.post(f"/conversations/{customer}/reopen")
    assert status == 200, body
    status, conversation = await ana.get(f"/conversations/{customer}")
    assert conversation["session"]["mode"] == "human"
    assert conversation["session"]["operator"] == "ana"
    await runtime.settle()
    assert await ids(ana, "status=human") == [customer]


async def test_resolve_works_after_a_hand_back(runtime: Runtime, consoles: Any) -> None:
    customer = await whatsapp_customer(runtime, "human")
    ana = consoles()
    await ana.login("ana")
    await ana.post(f"/conversations/{customer}/take")
    assert (await ana.post(f"/conversations/{customer}/handback"))[0] == 200
    status, body = await ana.post(f"/conversations/{customer}/resolve")
    assert status == 200, body
    await runtime.settle()
    assert await ids(ana, "status=resolved") == [customer]
    history = await runtime.store.history(customer)
    assert history[-1].data.get("state") == "resolve"
    assert sum(1 for e in history if e.kind == "outbound"
               and "resolved" in (e.text or "").lower()) == 0, "the customer is not told twice"


async def test_bad_searches_get_clear_errors(runtime: Runtime, consoles: Any) -> None:
    sam = consoles()
    await sam.login("sam")
    for query, words in (("status=closed", "status must be"), ("since=yesterday", "date"),
                         ("limit=0", "limit")):
        status, body = await sam.get(f"/search?{query}")
        assert status == 400 and words in body["error"], (query, body)
