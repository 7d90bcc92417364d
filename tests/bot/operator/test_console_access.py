"""What a console may see and do, attacked: taking to read, frames about others'
conversations, a socket outliving its login, and more takes than an operator has room for."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from bot.operator.auth import COOKIE
from bot.runtime import Runtime
from tests.bot.operator.console import Console, whatsapp_customer


async def live(console: Console) -> aiohttp.ClientWebSocketResponse:
    ws = await console.http.ws_connect(f"{console.base}/operator/ws")
    assert json.loads(await ws.receive_str(timeout=5))["type"] == "hello"
    return ws


async def test_a_plain_operator_cannot_read_a_handed_back_conversation_by_taking_it(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    ana, bo = consoles(), consoles()
    await ana.login("ana")
    await bo.login("bo")
    assert (await ana.post(f"/conversations/{customer}/take"))[0] == 200
    assert (await ana.post(f"/conversations/{customer}/handback"))[0] == 200
    assert (await bo.get(f"/conversations/{customer}"))[0] == 403
    status, body = await bo.post(f"/conversations/{customer}/take")
    assert status == 403 and "queued" in body["error"]
    assert (await bo.get(f"/conversations/{customer}"))[0] == 403, "still not readable"
    session, _ = await runtime.store.load(customer)
    assert session.mode == "bot" and session.operator is None


async def test_the_live_socket_tells_a_plain_operator_only_of_conversations_they_may_see(
    runtime: Runtime, consoles: Any,
) -> None:
    bo, sam = consoles(), consoles()
    await bo.login("bo")
    await sam.login("sam")
    ws = await live(bo)
    private = await whatsapp_customer(runtime, "hello")  # with the bot: not queued
    for action, body in (("take", {}), ("reply", {"text": "hi"}), ("handback", {})):
        assert (await sam.post(f"/conversations/{private}/{action}", body))[0] == 200
    queued = await whatsapp_customer(runtime, "human", wa_id="34600999999")
    heard: list[str] = []
    while queued not in (frame := await ws.receive_str(timeout=5)):
        heard.append(frame)
    assert not [f for f in heard if private in f], heard
    await ws.close()


async def test_logging_out_closes_the_live_socket(runtime: Runtime, consoles: Any) -> None:
    ana = consoles()
    await ana.login("ana")
    ws = await live(ana)
    assert (await ana.post("/logout"))[0] == 204
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_a_live_socket_whose_session_ended_elsewhere_hears_nothing_more(
    runtime: Runtime, consoles: Any, redis: Any,
) -> None:
    ana = consoles()
    await ana.login("ana")
    ws = await live(ana)
    [session_id] = [c.value for c in ana.http.cookie_jar if c.key == COOKIE]
    # Expired, or logged out through another process whose notice was lost.
    await redis.delete(f"{runtime.settings.store.key_prefix}:operator:session:{session_id}")
    await whatsapp_customer(runtime, "human")
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), message


async def test_simultaneous_takes_cannot_exceed_an_operators_capacity(
    runtime: Runtime, consoles: Any,
) -> None:
    customers = [await whatsapp_customer(runtime, "human", wa_id=f"3460000{n:04d}")
                 for n in range(10)]
    bo = consoles()  # capacity 5
    await bo.login("bo")
    answers = await asyncio.gather(*(bo.post(f"/conversations/{c}/take") for c in customers))
    assert sorted(status for status, _ in answers) == [200] * 5 + [409] * 5
    assert all("capacity is 5" in body["error"] for status, body in answers if status == 409)
    assert runtime.desk is not None
    held = await runtime.desk.queue.held_by("bo")
    assert len(held) == 5
    sessions = [(await runtime.store.load(c))[0] for c in customers]
    assert {c for c, s in zip(customers, sessions, strict=True)
            if s.mode == "human" and s.operator == "bo"} == held


async def test_a_transfer_respects_the_targets_capacity(runtime: Runtime, consoles: Any) -> None:
    first = await whatsapp_customer(runtime, "human")
    second = await whatsapp_customer(runtime, "human", wa_id="34600999999")
    ana, sam = consoles(), consoles()
    await ana.login("ana")  # capacity 1
    await sam.login("sam")
    assert (await ana.post(f"/conversations/{first}/take"))[0] == 200
    assert (await sam.post(f"/conversations/{second}/take"))[0] == 200
    status, body = await sam.post(f"/conversations/{second}/transfer", {"operator": "ana"})
    assert status == 409 and "Ana already holds 1" in body["error"]
    session, _ = await runtime.store.load(second)
    assert session.operator == "sam"
    assert runtime.desk is not None and await runtime.desk.queue.held_by("ana") == {first}
