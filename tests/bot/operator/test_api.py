"""The operator API over real HTTP: sessions, CSRF, tokens, roles, limits, live updates."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from bot.runtime import Runtime
from tests.bot.operator.console import HELPDESK_TOKEN, HOSTILE, whatsapp_customer
from tests.fakes.graph_api import FakeGraphAPI


async def test_login_sets_a_strict_http_only_cookie_and_wrong_passwords_are_limited(
    consoles: Any,
) -> None:
    console = consoles()
    response = await console.login("ana")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/operator" in cookie
    status, me = await console.get("/me")
    assert status == 200 and me["operator"]["name"] == "Ana"

    attacker = consoles()
    for _ in range(3):
        assert (await attacker.login("bo", "guess")).status == 401
    locked = await attacker.login("bo")  # even the right password, now
    assert locked.status == 429 and (await locked.json())["retry_after"] > 0
    assert (await consoles().login("nobody", "x")).status in (401, 429)


async def test_every_route_needs_a_login_and_posts_need_the_csrf_token(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    anonymous = consoles()
    assert (await anonymous.get("/queue"))[0] == 401
    assert (await anonymous.get(f"/conversations/{customer}"))[0] == 401
    console = consoles()
    await console.login("ana")
    status, body = await console.post(f"/conversations/{customer}/take", csrf=False)
    assert status == 403 and "CSRF" in body["error"]
    status, queue = await console.get("/queue")
    assert [i["customer_id"] for i in queue["items"]] == [customer], "nothing changed"
    assert (await console.post(f"/conversations/{customer}/take"))[0] == 200


async def test_an_operator_reply_reaches_the_customer_on_whatsapp(
    runtime: Runtime, consoles: Any, graph: FakeGraphAPI,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    console = consoles()
    await console.login("ana")
    status, queue = await console.get("/queue")
    assert queue["items"][0]["last_text"] == "human"
    await console.post(f"/conversations/{customer}/take")
    status, _ = await console.post(f"/conversations/{customer}/reply",
                                   {"text": "Hola, soy Ana. ¿En qué te ayudo?"})
    assert status == 200
    # "passing you to a person", "Ana ... is here", the reply
    await graph.wait_for_whatsapp(3, to="34600123123", timeout=5)
    [sent] = [c for c in graph.whatsapp_sent if c.text == "Hola, soy Ana. ¿En qué te ayudo?"]
    assert sent.json["to"] == "34600123123"
    await whatsapp_customer(runtime, "gracias")
    status, view = await console.get(f"/conversations/{customer}")
    entries = [(e["author"], e["channel"], e["text"]) for e in view["transcript"]]
    assert ("operator:ana", "whatsapp", "Hola, soy Ana. ¿En qué te ayudo?") in entries
    assert entries[-1] == ("customer", "whatsapp", "gracias"), "the bot said nothing more"


async def test_operators_see_the_queue_and_their_own_a_supervisor_sees_all(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    ana, bo, sam = consoles(), consoles(), consoles()
    for console, name in ((ana, "ana"), (bo, "bo"), (sam, "sam")):
        await console.login(name)
    assert (await bo.get(f"/conversations/{customer}"))[0] == 200, "queued: everyone sees"
    await ana.post(f"/conversations/{customer}/take")
    assert (await bo.get(f"/conversations/{customer}"))[0] == 403
    status, body = await bo.post(f"/conversations/{customer}/take")
    assert status == 409 and body["error"] == "already with Ana"
    assert (await sam.get(f"/conversations/{customer}"))[0] == 200
    assert [i["customer_id"] for i in (await sam.get("/conversations"))[1]["items"]] == [customer]
    assert (await bo.get("/conversations"))[1]["items"] == []
    other = await whatsapp_customer(runtime, "human", wa_id="34600999999")
    status, body = await ana.post(f"/conversations/{other}/take")
    assert status == 409 and "capacity is 1" in body["error"]


async def test_a_helpdesk_token_works_without_cookies_or_csrf(
    runtime: Runtime,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    assert runtime.server is not None
    headers = {"Authorization": f"Bearer {HELPDESK_TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        base = f"{runtime.server.url}/operator/api"
        async with http.get(f"{base}/queue") as response:
            assert [i["customer_id"] for i in (await response.json())["items"]] == [customer]
        async with http.post(f"{base}/conversations/{customer}/take") as response:
            assert response.status == 200
        async with http.post(f"{base}/conversations/{customer}/resolve") as response:
            assert response.status == 200
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer wrong"}) as http, \
            http.get(f"{runtime.server.url}/operator/api/queue") as response:
        assert response.status == 401


async def test_hostile_customer_text_is_served_as_json_data(
    runtime: Runtime, consoles: Any,
) -> None:
    await whatsapp_customer(runtime, HOSTILE)
    customer = await whatsapp_customer(runtime, "human")
    console = consoles()
    await console.login("sam")
    _, view = await console.get(f"/conversations/{customer}")
    assert HOSTILE in [e["text"] for e in view["transcript"]]
    assert runtime.server is not None
    async with console.http.get(f"{runtime.server.url}/operator/api/conversations/{customer}"
                                ) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_the_live_socket_needs_a_login_and_announces_the_queue(
    runtime: Runtime, consoles: Any,
) -> None:
    assert runtime.server is not None
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{runtime.server.url}/operator/ws")
        assert json.loads(await ws.receive_str(timeout=5))["type"] == "error"
    console = consoles()
    await console.login("ana")
    ws = await console.http.ws_connect(f"{runtime.server.url}/operator/ws")
    assert json.loads(await ws.receive_str(timeout=5))["type"] == "hello"
    await whatsapp_customer(runtime, "human")
    while (frame := json.loads(await ws.receive_str(timeout=5)))["type"] != "queue":
        pass
    assert frame == {"type": "queue"}
    await ws.close()


async def test_bad_requests_get_clear_errors_and_change_nothing(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    console = consoles()
    await console.login("ana")
    assert (await console.post(f"/conversations/{customer}/dance"))[0] == 404
    assert (await console.post("/conversations/nope/take"))[0] == 404
    await console.post(f"/conversations/{customer}/take")
    status, body = await console.post(f"/conversations/{customer}/reply", {"text": "  "})
    assert status == 400 and body["error"] == "write something first"
    status, body = await console.post(f"/conversations/{customer}/handback", {"flow": "nope"})
    assert status == 400
    status, body = await console.post(f"/conversations/{customer}/transfer", {"operator": "x"})
    assert status == 400
    session, _ = await runtime.store.load(customer)
    assert session.mode == "human" and session.operator == "ana"
