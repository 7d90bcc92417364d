"""The web chat against visitors who do not play by the page's rules: parallel sockets,
endless new identities, floods nobody answers, junk in every field, a store that is down."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.config import parse_settings
from bot.messages import Identity
from bot.runtime import Runtime
from connectors.webchat import WebChatConnector
from tests.conftest import TEST_FLOWS
from tests.connectors.webchat.test_webchat import Browser, connect

pytestmark = pytest.mark.timeout(60)


def webchat(make_settings: Any, **limits: Any) -> Any:
    return make_settings(connectors={"webchat": {"enabled": True, **limits}})


async def acks(browser: Browser, ids: list[str]) -> int:
    """How many of ``ids`` were acknowledged (each gets an ack or an error)."""
    acknowledged = 0
    for _ in ids:
        frame = await browser.receive()
        while frame["type"] not in ("ack", "error"):
            frame = await browser.receive()
        acknowledged += frame["type"] == "ack"
    return acknowledged


async def test_one_visitor_on_parallel_sockets_and_processes_shares_one_rate_limit(
    make_settings: Any,
) -> None:
    settings = webchat(make_settings, rate_per_minute=10)
    async with Runtime(settings) as one, Runtime(settings) as other, \
            aiohttp.ClientSession() as http:
        first, welcome = await connect(http, one)
        sockets = [first]
        for runtime in (one, other, other):  # the same token: one visitor, two processes
            browser, again = await connect(http, runtime, token=welcome["token"])
            assert again["visitor"] == welcome["visitor"]
            sockets.append(browser)
        batches = [[f"s{n}-{i}" for i in range(10)] for n in range(len(sockets))]
        for browser, ids in zip(sockets, batches, strict=True):
            for message_id in ids:
                await browser.send(type="message", id=message_id, text="/help")
        counted = await asyncio.gather(*(acks(b, ids)
                                         for b, ids in zip(sockets, batches, strict=True)))
    # 10 a minute over every socket and process (the bucket refills 1 in 6 s meanwhile).
    assert 10 <= sum(counted) <= 11, counted


async def test_one_address_cannot_make_endless_new_visitors(make_settings: Any) -> None:
    async with Runtime(webchat(make_settings, new_visitors_per_hour=3)) as runtime, \
            aiohttp.ClientSession() as http:
        welcomes = [(await connect(http, runtime))[1] for _ in range(3)]
        assert runtime.server is not None
        ws = await http.ws_connect(f"{runtime.server.url}/webchat")
        refused = Browser(ws)
        await refused.send(type="hello", token=None)
        error = await refused.receive()
        assert (error["type"], error["code"]) == ("error", 429)
        await refused.send(type="message", id="m", text="hi")
        assert (await refused.receive("error"))["message"] == "say hello first"
        # A visitor who already has a token is still recognised, on the same socket.
        await refused.send(type="hello", token=welcomes[0]["token"])
        assert (await refused.receive("welcome"))["visitor"] == welcomes[0]["visitor"]


async def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_budget(
    make_settings: Any,
) -> None:
    settings = make_settings(server={"trusted_proxies": ["127.0.0.1"]},
                             connectors={"webchat": {"new_visitors_per_hour": 1}})
    async with Runtime(settings) as runtime, aiohttp.ClientSession() as http:
        assert runtime.server is not None

        async def hello(address: str) -> dict[str, Any]:
            ws = await http.ws_connect(f"{runtime.server.url}/webchat",
                                       headers={"X-Forwarded-For": address})
            browser = Browser(ws)
            await browser.send(type="hello", token=None)
            return await browser.receive()

        assert (await hello("203.0.113.7"))["type"] == "welcome"
        assert (await hello("203.0.113.8"))["type"] == "welcome", "not the proxy's budget"
        assert (await hello("203.0.113.7"))["code"] == 429
        assert (await hello("2001:db8::1"))["type"] == "welcome"
        assert (await hello("2001:db8::2"))["code"] == 429, "one /64 is one address"


async def test_one_address_shares_a_message_budget_over_its_visitors(
    make_settings: Any,
) -> None:
    settings = webchat(make_settings, messages_per_hour_per_address=6)
    async with Runtime(settings) as runtime, aiohttp.ClientSession() as http:
        browsers = [(await connect(http, runtime))[0] for _ in range(3)]
        for n, browser in enumerate(browsers):
            for i in range(4):
                await browser.send(type="message", id=f"v{n}-{i}", text="/help")
        counted = await asyncio.gather(*(acks(b, ["x"] * 4) for b in browsers))
    assert sum(counted) == 6, counted


async def test_messages_nobody_answers_are_capped_per_visitor(make_settings: Any) -> None:
    async with Runtime(webchat(make_settings, max_unanswered=3)) as runtime, \
            aiohttp.ClientSession() as http:
        browser, _ = await connect(http, runtime)
        await browser.send(type="message", id="h", text="human")  # queued for a person:
        await browser.receive("ack")
        await browser.bot_says()  # the bot says so once, then stays silent
        await runtime.settle()
        for i in range(5):
            await browser.send(type="message", id=f"wait-{i}", text=f"hello? {i}")
        frames = [await browser.receive() for _ in range(5)]
    assert [f["type"] for f in frames] == ["ack"] * 3 + ["error"] * 2
    assert frames[-1] == {"type": "error", "code": 429,
                          "message": "please wait for an answer before writing more"}


async def test_a_hello_while_the_store_is_down_gets_a_503_frame_and_the_socket_stays_usable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = parse_settings({"store": {"url": "embedded", "data_dir": str(tmp_path)},
                               "server": {"port": 0}, "flows": dict(TEST_FLOWS),
                               "connectors": {"webchat": {}}}, env={})
    async with Runtime(settings) as runtime, aiohttp.ClientSession() as http:
        assert runtime.embedded is not None and runtime.server is not None
        ws = await http.ws_connect(f"{runtime.server.url}/webchat")
        browser = Browser(ws)
        await runtime.embedded.close()  # the store goes away
        await browser.send(type="hello", token=None)
        error = await browser.receive()
        assert (error["type"], error["code"]) == ("error", 503)
        await runtime.embedded.start()  # back, on the same port
        await browser.send(type="hello", token=None)  # the same socket
        welcome = await browser.receive("welcome")
    assert welcome["visitor"]
    assert not [r for r in caplog.records if r.exc_info], "no traceback"


async def test_non_ascii_and_lone_surrogate_tokens_and_texts_are_refused_cleanly(
    make_settings: Any, caplog: pytest.LogCaptureFixture,
) -> None:
    async with Runtime(webchat(make_settings)) as runtime, aiohttp.ClientSession() as http:
        assert runtime.server is not None
        for token in ("visitör.0123456789abcdef0123456789abcdef", "ééé", "a.é", "\U0001f600"):
            _, welcome = await connect(http, runtime, token=token)  # a new visitor each
            assert welcome["token"].isascii()
        ws = await http.ws_connect(f"{runtime.server.url}/webchat")
        browser = Browser(ws)
        await ws.send_str('{"type": "hello", "token": "\\ud800.abc"}')
        assert (await browser.receive())["code"] == 400
        await browser.send(type="hello", token=None)
        await browser.receive("welcome")
        await ws.send_str('{"type": "message", "id": "s", "text": "hi \\udfff"}')
        assert (await browser.receive())["code"] == 400
        await browser.send(type="message", id="ok", text="¿Dónde está mi pedido? 😀")
        assert (await browser.receive("ack"))["id"] == "ok"
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_choice_title_is_cut_to_what_a_button_shows(make_settings: Any) -> None:
    async with Runtime(webchat(make_settings)) as runtime, aiohttp.ClientSession() as http:
        browser, welcome = await connect(http, runtime, locale="x" * 10_000)
        await browser.send(type="choice", id="c", payload="menu:shelf", title="T" * 15_000)
        await browser.receive("ack")
        await runtime.settle()
        customer = await runtime.store.resolve(Identity(channel="webchat", account="default",
                                                        user_id=welcome["visitor"]))
        inbound = [e for e in await runtime.store.history(customer) if e.kind == "inbound"]
    limit = WebChatConnector.capabilities.button_title_length
    assert [len(e.text or "") for e in inbound] == [limit]


def test_frame_fields_are_bounded() -> None:
    connector = WebChatConnector()
    frame = {"type": "choice", "visitor": "v", "id": "c", "payload": "p" * 5000,
             "title": "t" * 15_000, "locale": "en-GB; DROP TABLE"}
    [message] = connector.parse(frame)
    assert len(message.payload or "") == 1000
    assert len(message.text or "") == connector.capabilities.button_title_length
    assert message.sender.locale is None
    [text] = connector.parse({"type": "message", "visitor": "v", "id": "m", "text": "x" * 9000,
                              "locale": "es-419"})
    assert (len(text.text or ""), text.sender.locale) == (2000, "es-419")
    assert connector.parse({"type": "message", "visitor": "v", "id": "m" * 101, "text": "hi"}) == []
