"""The web chat over a real websocket against a running runtime."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.runtime import Runtime
from tests.conftest import TEST_FLOWS


class Browser:
    """A websocket client speaking the web chat protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, **frame: Any) -> None:
        await self.ws.send_str(json.dumps(frame))

    async def receive(self, kind: str | None = None, timeout: float = 5) -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = json.loads(await self.ws.receive_str(timeout=timeout))
            if kind is None or frame["type"] == kind:
                return frame

    async def bot_says(self, timeout: float = 5) -> dict[str, Any]:
        return await self.receive("message", timeout)


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    async with Runtime(make_settings()) as rt:
        yield rt


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def connect(http: aiohttp.ClientSession, runtime: Runtime, token: str | None = None,
                  locale: str = "en-GB") -> tuple[Browser, dict[str, Any]]:
    assert runtime.server is not None
    ws = await http.ws_connect(f"{runtime.server.url}/webchat")
    browser = Browser(ws)
    await browser.send(type="hello", token=token, locale=locale)
    return browser, await browser.receive("welcome")


async def test_page_health_and_readiness(runtime: Runtime, http: aiohttp.ClientSession) -> None:
    assert runtime.server is not None
    async with http.get(f"{runtime.server.url}/") as page:
        assert page.status == 200 and "text/html" in page.headers["Content-Type"]
        assert page.headers["X-Content-Type-Options"] == "nosniff"
    async with http.get(f"{runtime.server.url}/healthz") as health:
        assert health.status == 200
    async with http.get(f"{runtime.server.url}/readyz") as ready:
        assert ready.status == 200 and await ready.text() == "ready"


async def test_a_conversation_with_buttons(runtime: Runtime, http: aiohttp.ClientSession) -> None:
    browser, welcome = await connect(http, runtime)
    assert welcome["visitor"] and welcome["token"].startswith(welcome["visitor"] + ".")
    await browser.send(type="message", id="c1", text="hi")
    assert (await browser.receive("ack"))["id"] == "c1"
    menu = await browser.bot_says()
    assert menu["kind"] == "choices"
    [shelf] = [c for c in menu["choices"] if c["payload"] == "menu:shelf"]
    await browser.send(type="choice", id="c2", payload=shelf["payload"], title=shelf["title"])
    items = await browser.bot_says()
    assert items["text"] == "On the shelf today. Pick one:"
    assert [c["title"] for c in items["choices"]] == ["Desk lamp", "Blue mug", "Ink pen"]


async def test_the_visitor_is_recognised_after_a_reconnect(
    runtime: Runtime, http: aiohttp.ClientSession
) -> None:
    browser, welcome = await connect(http, runtime)
    await browser.send(type="message", id="c1", text="/report")
    assert (await browser.bot_says())["text"] == (
        "Let's report a fault. What's the ticket number? (like T100)")
    await browser.ws.close()
    again, welcome2 = await connect(http, runtime, token=welcome["token"])
    assert welcome2["visitor"] == welcome["visitor"]
    await again.send(type="message", id="c2", text="T100")
    reply = await again.bot_says()
    assert reply["text"] == "Which part is faulty?"


async def test_a_forged_token_gets_a_new_visitor(
    runtime: Runtime, http: aiohttp.ClientSession
) -> None:
    _, welcome = await connect(http, runtime)
    forged = welcome["visitor"] + ".0000000000000000000000000000000"
    _, other = await connect(http, runtime, token=forged)
    assert other["visitor"] != welcome["visitor"]


# Proves docs/architecture.md invariant 2.
async def test_a_resent_message_is_acknowledged_but_answered_once(
    runtime: Runtime, http: aiohttp.ClientSession
) -> None:
    browser, _ = await connect(http, runtime)
    await browser.send(type="message", id="same", text="/ticket")
    await browser.receive("ack")
    assert (await browser.bot_says())["text"] == "What's your ticket number? It looks like T123."
    await browser.send(type="message", id="same", text="/ticket")
    assert (await browser.receive("ack"))["id"] == "same"
    await browser.send(type="message", id="next", text="T300")
    reply = await browser.bot_says()
    assert reply["text"] == "Ticket T300 is closed.", "no second prompt came in between"


async def test_replies_wait_for_a_visitor_who_went_away(
    runtime: Runtime, http: aiohttp.ClientSession
) -> None:
    browser, welcome = await connect(http, runtime)
    await browser.send(type="message", id="c1", text="/ticket")
    await browser.bot_says()
    await browser.send(type="message", id="c2", text="T100")
    # Gone before the answer can arrive: the close frame follows the message at once, so
    # the server reads both before the turn's commit comes back. (Waiting for the "ack"
    # first raced with the reply: a reply written to a socket that the browser closes a
    # moment later counts as delivered.)
    await browser.ws.close()
    await runtime.settle()
    back, _ = await connect(http, runtime, token=welcome["token"])
    assert (await back.bot_says())["text"] == "Ticket T100 is open: we are on it."


async def test_bad_frames_get_a_clear_error_and_change_nothing(
    runtime: Runtime, http: aiohttp.ClientSession
) -> None:
    assert runtime.server is not None
    ws = await http.ws_connect(f"{runtime.server.url}/webchat")
    browser = Browser(ws)
    await ws.send_str("not json")
    assert (await browser.receive("error"))["message"] == "frames must be JSON objects"
    await browser.send(type="message", id="x", text="hi")
    assert (await browser.receive("error"))["message"] == "say hello first"
    await browser.send(type="hello", token=None)
    await browser.receive("welcome")
    await browser.send(type="message", id="y", text="   ")
    assert (await browser.receive("error"))["message"] == "message not understood"
    await browser.send(type="message", id="z", text="hi")
    await browser.receive("ack")


# Proves docs/architecture.md invariant 3.
async def test_a_message_sent_while_the_store_is_down_is_resent_after_reconnecting(
    tmp_path: Any, http: aiohttp.ClientSession
) -> None:
    from bot.config import parse_settings

    settings = parse_settings({"store": {"url": "embedded", "data_dir": str(tmp_path)},
                               "server": {"port": 0}, "flows": dict(TEST_FLOWS),
                               "connectors": {"webchat": {}}}, env={})
    async with Runtime(settings) as runtime:
        assert runtime.embedded is not None
        browser, welcome = await connect(http, runtime)
        await runtime.embedded.close()  # the store goes away
        await browser.send(type="message", id="lost?", text="/ticket")
        assert (await browser.receive("error"))["message"] == "not delivered, retrying"
        assert await browser.ws.receive(timeout=5) is not None  # the server closes
        assert browser.ws.closed
        await runtime.embedded.start()  # back, on the same port
        again, _ = await connect(http, runtime, token=welcome["token"])
        await again.send(type="message", id="lost?", text="/ticket")  # what chat.js resends
        assert (await again.receive("ack"))["id"] == "lost?"
        assert (await again.bot_says())["text"] == "What's your ticket number? It looks like T123."
