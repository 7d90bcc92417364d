"""Fuzzing the web chat over a real websocket, against a real running ``Runtime``.

The properties: every frame is answered (``ack`` when it is a message, ``error`` when not)
and the socket stays usable; a frame the parser finds empty writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from redis.asyncio import Redis

from bot.runtime import Runtime
from connectors.webchat.connector import WebChatConnector
from connectors.webchat.frames import decode
from tests.fuzz.profile import http_settings
from tests.fuzz.store_view import changes, settled_snapshot
from tests.fuzz.test_webchat_frames import frames

pytestmark = pytest.mark.timeout(300)
PARSER = WebChatConnector()


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis) -> AsyncIterator[Runtime]:
    # One visitor on one address sends every example: high limits keep "slow down" away.
    limits = {"rate_per_minute": 10_000, "messages_per_hour_per_address": 1_000_000,
              "new_visitors_per_hour": 100_000, "max_unanswered": 10_000}
    async with Runtime(make_settings(connectors={"webchat": limits})) as rt:
        yield rt


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        yield session


class Visitor:
    """One browser that keeps its token, reconnecting for each example."""

    def __init__(self) -> None:
        self.token: str | None = None

    async def open(self, http: aiohttp.ClientSession,
                   runtime: Runtime) -> aiohttp.ClientWebSocketResponse:
        assert runtime.server is not None
        ws = await http.ws_connect(f"{runtime.server.url}/webchat")
        await ws.send_str(json.dumps({"type": "hello", "token": self.token, "locale": "en"}))
        welcome = await self.answer(ws, "welcome")
        self.token = welcome["token"]
        return ws

    @staticmethod
    async def answer(ws: aiohttp.ClientWebSocketResponse, *kinds: str) -> dict[str, Any]:
        while True:  # the bot's own messages and typing may come in between
            frame: dict[str, Any] = json.loads(await ws.receive_str(timeout=10))
            if frame["type"] in kinds:
                return frame


VISITOR = Visitor()


def _ascii(frame: dict[str, Any]) -> bool:
    """Frames clear of finding 12 (non-ASCII tokens, lone surrogates), tested apart."""
    text = json.dumps(frame, ensure_ascii=False)
    return not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _fits(raw: str) -> bool:
    """Frames over 64 KiB are closed by the server (1009), a limit tested elsewhere."""
    return len(raw.encode()) <= 60_000


@http_settings
@given(st.one_of(frames().filter(_ascii).map(json.dumps).filter(_fits),
                 st.text(max_size=100).filter(lambda t: _ascii({"t": t}))))
@example("[" * 10_000)  # Found: the socket was dropped without an answer.
@example(json.dumps({"type": "choice", "id": "c0", "payload": ""}))  # Found: recorded.
async def test_every_frame_is_answered_and_garbage_writes_nothing(
        runtime: Runtime, redis: Redis, http: aiohttp.ClientSession, raw: str) -> None:
    ws = await VISITOR.open(http, runtime)
    try:
        before = await settled_snapshot(runtime, redis)
        await ws.send_str(raw)
        frame = decode(raw)
        again = frame is not None and frame.get("type") == "hello"
        # A second hello on a socket is ignored without an answer; all else is answered.
        answer = None if again else await VISITOR.answer(ws, "ack", "error")
        parsed = PARSER.parse({**frame, "visitor": "v"}) if frame and not again else []
        if not parsed:
            assert answer is None or answer["type"] == "error"
            assert changes(before, await settled_snapshot(runtime, redis)) == {}
        await ws.send_str('{"type": "ping"}')  # the socket still answers
        assert (await VISITOR.answer(ws, "error"))["message"]
    finally:
        await ws.close()


@http_settings
@given(st.sampled_from(["token", "text"]),
       st.text(st.characters(categories=["Cs", "Lo", "So"]), min_size=1, max_size=20))
async def test_a_token_or_text_that_is_not_ascii_is_refused_cleanly(
        runtime: Runtime, http: aiohttp.ClientSession, field: str, value: str) -> None:
    assert runtime.server is not None
    ws = await http.ws_connect(f"{runtime.server.url}/webchat")
    try:
        token = value if field == "token" else None
        await ws.send_str(json.dumps({"type": "hello", "token": token}))
        greeted = await Visitor.answer(ws, "welcome", "error")
        if greeted["type"] == "error":  # a token we never made (a lone surrogate: a 400)
            assert greeted["code"] == 400, greeted
            await ws.send_str(json.dumps({"type": "hello", "token": None}))
            await Visitor.answer(ws, "welcome")  # the socket is still usable
        await ws.send_str(json.dumps({"type": "message", "id": "c1", "text": value}))
        answered = await Visitor.answer(ws, "ack", "error")
        surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        assert answered["type"] == ("error" if surrogate else "ack"), (value, answered)
    finally:
        await ws.close()
