"""Whole webhook POSTs are answered by the lean listener (``bot.web.lean``) with the bytes
aiohttp would write, and everything it does not answer is handed to aiohttp with nothing
lost: raw sockets, since a client library would hide the bytes, the framing and the
connection's reuse. ``aiohttp_requests`` counts what aiohttp's handlers served."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.web.headers import EVERY_RESPONSE
from bot.web.server import WebServer
from bot.web.types import HttpHandler, Route, WebRequest, WebResponse, WebSocket, WebSocketRoute
from tests.waiting import eventually

pytestmark = pytest.mark.timeout(60)

#: One frozen answer for every request (as a recorded webhook's 200 is).
FROZEN = WebResponse.text(200, "recorded")


class Served:
    """A started server with webhook routes: one echoing, one with its own headers, a
    failing one, a timing-out one, one raising aiohttp's ``HTTPForbidden``, and one that
    waits for ``release``."""

    def __init__(self, body_timeout: float = 10.0, header_timeout: float = 15.0) -> None:
        self.seen: list[WebRequest] = []
        self.release = asyncio.Event()
        self.waiting = asyncio.Event()

        async def echo(request: WebRequest) -> WebResponse:
            self.seen.append(request)
            return WebResponse.text(200, f"got {request.body.decode()}")

        async def created(request: WebRequest) -> WebResponse:
            return WebResponse(201, b"{}", "application/json", {"X-Trace": "1"})

        async def broken(request: WebRequest) -> WebResponse:
            raise RuntimeError("a handler bug")

        async def slow(request: WebRequest) -> WebResponse:
            raise TimeoutError

        async def frozen(request: WebRequest) -> WebResponse:
            return FROZEN

        async def refused(request: WebRequest) -> WebResponse:
            raise web.HTTPForbidden(reason="Not Here", text="go away",
                                    headers={"X-Why": "a test"})

        async def held(request: WebRequest) -> WebResponse:
            self.waiting.set()
            await self.release.wait()
            return WebResponse.text(200, "recorded")

        async def chat(ws: WebSocket) -> None:
            while (text := await ws.receive_text()) is not None:
                await ws.send_text(text.upper())

        self.server = WebServer(host="127.0.0.1", port=0, routes=[
            Route("POST", "/hook", echo, max_body=32), Route("GET", "/hook", echo),
            Route("POST", "/created", created), Route("POST", "/broken", broken),
            Route("POST", "/slow", slow), Route("POST", "/held", held),
            Route("POST", "/refused", refused), Route("POST", "/frozen", frozen),
            WebSocketRoute("/ws", chat)], body_timeout=body_timeout,
            header_timeout=header_timeout)

    @property
    def aiohttp_requests(self) -> int:
        runner = self.server._runner
        assert runner is not None and runner.server is not None
        return runner.server.requests_count

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.server.port)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    served = Served()
    await served.server.start()
    try:
        yield served
    finally:
        await served.server.close()


def _post(path: str, body: bytes, *extra: str, version: str = "1.1") -> bytes:
    lines = [f"POST {path} HTTP/{version}", "Host: x", *extra,
             f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _answer(reader: asyncio.StreamReader) -> bytes:
    """One answer on a kept-alive connection, head and body."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = re.search(rb"\r\nContent-Length: (\d+)\r\n", head)
    body = await reader.readexactly(int(length.group(1))) if length else b""
    return head + body


async def _exchange(served: Served, request: bytes) -> bytes:
    """The whole answer of a connection that sent ``request`` and then nothing."""
    reader, writer = await served.connect()
    writer.write(request)
    answer = await _answer(reader)
    writer.close()
    return answer


def _undated(answer: bytes) -> bytes:
    return re.sub(rb"\r\nDate: [^\r]+\r\n", b"\r\nDate: -\r\n", answer)


@pytest.mark.parametrize(("path", "extra", "version"), [
    ("/hook", (), "1.1"), ("/created", (), "1.1"), ("/broken", (), "1.1"),
    ("/broken", ("Accept: text/html",), "1.1"), ("/slow", (), "1.1"),
    ("/hook", (), "1.0"), ("/hook", ("Connection: keep-alive",), "1.0"),
    ("/hook", ("Connection: close",), "1.1"), ("/refused", (), "1.1"),
    ("/refused", (), "1.0"), ("/frozen", (), "1.1"), ("/frozen", (), "1.0"),
    ("/frozen", ("Connection: close",), "1.1")])
async def test_a_webhook_gets_the_bytes_aiohttp_would_write(
        served: Served, path: str, extra: tuple[str, ...], version: str) -> None:
    # A chunked body is aiohttp's to read: the same route's answer as it writes it.
    lean = await _exchange(served, _post(path, b"hi", *extra, version=version))
    again = await _exchange(served, _post(path, b"hi", *extra, version=version))
    assert served.aiohttp_requests == 0, "answered in front of aiohttp"
    assert _undated(again) == _undated(lean), "a frozen answer's kept bytes are the same"
    head = _post(path, b"", *extra, "Transfer-Encoding: chunked", version=version)
    chunked = head.replace(b"Content-Length: 0\r\n", b"") + b"2\r\nhi\r\n0\r\n\r\n"
    routed = await _exchange(served, chunked)
    assert served.aiohttp_requests == 1
    assert _undated(lean) == _undated(routed)
    assert all(f"{k}: {v}".encode() in lean for k, v in EVERY_RESPONSE.items())


async def test_pipelined_requests_are_answered_in_order_and_the_rest_handed_over(
        served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(_post("/hook", b"1") + _post("/hook", b"2") + _post("/hook", b"3")
                 + b"GET /hook HTTP/1.1\r\nHost: x\r\n\r\n" + _post("/hook", b"4"))
    answers = [await _answer(reader) for _ in range(5)]
    writer.close()
    assert [a.rsplit(b"\r\n\r\n", 1)[1] for a in answers] == [
        b"got 1", b"got 2", b"got 3", b"got ", b"got 4"]
    assert served.aiohttp_requests == 2, "the GET and what followed it went to aiohttp"


async def test_a_kept_alive_connection_is_reused_and_http_1_0_closes(served: Served) -> None:
    reader, writer = await served.connect()
    for n in range(3):
        writer.write(_post("/hook", str(n).encode()))
        assert (await _answer(reader)).endswith(f"got {n}".encode())
    writer.close()
    assert served.aiohttp_requests == 0
    reader, writer = await served.connect()
    writer.write(_post("/hook", b"old", version="1.0"))
    answer = await asyncio.wait_for(reader.read(), 10)  # to the end: the server closed
    writer.close()
    assert answer.startswith(b"HTTP/1.0 200 OK") and answer.endswith(b"got old")


async def test_too_large_bodies_are_refused_with_413_and_the_connection_kept(
        served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(_post("/hook", b"x" * 33))
    assert (await _answer(reader)).startswith(b"HTTP/1.1 413 Request Entity Too Large")
    writer.write(b"POST /hook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + b"21\r\n" + b"x" * 33 + b"\r\n0\r\n\r\n")
    assert (await _answer(reader)).startswith(b"HTTP/1.1 413")
    writer.write(_post("/hook", b"small"))
    assert (await _answer(reader)).endswith(b"got small")
    writer.close()
    assert served.seen and served.seen[-1].body == b"small"


async def test_a_slow_body_gets_408_and_a_slow_head_or_an_idle_connection_is_closed() -> None:
    served = Served(body_timeout=0.3, header_timeout=0.5)
    await served.server.start()
    try:
        reader, writer = await served.connect()
        writer.write(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhel")
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        assert answer.startswith(b"HTTP/1.1 408") and b"Connection: close" in answer
        reader, writer = await served.connect()
        writer.write(_post("/hook", b"a"))
        assert (await _answer(reader)).endswith(b"got a")
        assert await asyncio.wait_for(reader.read(), 10) == b"", "idle after its answer"
        writer.close()
        reader, writer = await served.connect()
        writer.write(b"POST /hook HTTP/1.1\r\nHo")
        assert await asyncio.wait_for(reader.read(), 10) == b"", "a head never finished"
        writer.close()
    finally:
        await served.server.close()


async def test_malformed_requests_and_expect_go_to_aiohttp(served: Served) -> None:
    bad = await _exchange(served, b"POST /hook HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi")
    assert bad.startswith(b"HTTP/1.0 400 Bad Request") and b"Missing 'Host'" in bad
    twice = await _exchange(served, b"POST /hook HTTP/1.1\r\nHost: x\r\nHost: y\r\n"
                                    b"Content-Length: 0\r\n\r\n")
    assert twice.startswith(b"HTTP/1.0 400") and b"Duplicate 'Host'" in twice
    reader, writer = await served.connect()
    writer.write(b"POST /hook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 b"Content-Length: 2\r\n\r\n")
    assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"ok")
    assert (await _answer(reader)).endswith(b"got ok")
    writer.close()


async def test_pages_and_websockets_are_still_aiohttp_s(served: Served) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{served.server.url}/hook") as page:
            assert page.status == 200
        async with http.ws_connect(f"{served.server.url}/ws") as ws:
            await ws.send_str("hi")
            assert await ws.receive_str() == "HI"
        async with http.post(f"{served.server.url}/hook", data=b"via client") as hook:
            assert await hook.text() == "got via client"


async def test_the_handler_sees_the_request_as_aiohttp_made_it(served: Served) -> None:
    await _exchange(served, _post("/hook", b"x", "X-Hub-Signature-256: sha256=ab  ",
                                  "Cookie: a=1"))
    await _exchange(served, _post("/hook?q", b"x", "X-Hub-Signature-256: sha256=ab  ",
                                  "Cookie: a=1"))
    lean, routed = served.seen
    for seen in (lean, routed):
        assert seen.header("x-hub-signature-256") == "sha256=ab"
        assert seen.headers["Host"] == "x" and seen.cookies == {"a": "1"}
        assert seen.remote == seen.client == "127.0.0.1"
        assert (seen.method, seen.path, seen.body, dict(seen.params)) == (
            "POST", "/hook", b"x", {})
    assert dict(lean.query) == {}


async def test_shutdown_lets_a_webhook_in_flight_finish(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(_post("/held", b"x"))
    await asyncio.wait_for(served.waiting.wait(), 10)
    idle_reader, idle_writer = await served.connect()
    closing = asyncio.create_task(served.server.close())
    assert await asyncio.wait_for(idle_reader.read(), 10) == b"", "idle ones close first"

    async def waits_for_the_handler() -> bool:
        return not closing.done()

    await eventually(waits_for_the_handler)
    served.release.set()
    answer = await asyncio.wait_for(reader.read(), 10)
    await asyncio.wait_for(closing, 10)
    writer.close()
    idle_writer.close()
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(b"recorded")


async def test_a_public_url_gives_the_handler_the_public_host() -> None:
    served = Served()
    served.server = WebServer(host="127.0.0.1", port=0, public_url="https://chat.example.com",
                              routes=[Route("POST", "/hook", _record(served))])
    await served.server.start()
    try:
        await _exchange(served, _post("/hook", b"x"))
    finally:
        await served.server.close()
    assert served.seen[0].header("host") == "chat.example.com"


def _record(served: Served) -> HttpHandler:
    async def record(request: WebRequest) -> WebResponse:
        served.seen.append(request)
        return WebResponse.text(200, "ok")

    return record


def test_on_uvloop_the_lean_path_and_the_handover_work_as_on_asyncio() -> None:
    # The bot runs on uvloop (bot/loop.py), whose transports are its own: the lean
    # answer, the handover of a pipelined connection (set_protocol) and a websocket.
    uvloop = pytest.importorskip("uvloop")

    async def scenario() -> None:
        served = Served()
        await served.server.start()
        try:
            assert type(asyncio.get_running_loop()).__module__.startswith("uvloop")
            await test_pipelined_requests_are_answered_in_order_and_the_rest_handed_over(
                served)
            await test_pages_and_websockets_are_still_aiohttp_s(served)
        finally:
            await served.server.close()

    uvloop.run(scenario())


async def test_shutdown_gives_lean_and_aiohttp_answers_one_timeout_together() -> None:
    # One webhook held on the lean path, one (chunked) held on aiohttp's: both waits run
    # at once. aiohttp's own takes two timeouts for a handler that ignores its request's
    # cancellation (it waits, cancels, waits again), so closing takes 2 s here; waited one
    # after the other (the lean answers first) it took 3.
    started: list[WebRequest] = []
    never = asyncio.Event()

    async def held(request: WebRequest) -> WebResponse:
        started.append(request)
        await never.wait()
        return WebResponse.text(200, "never")

    server = WebServer(host="127.0.0.1", port=0, routes=[Route("POST", "/held", held)],
                       shutdown_timeout=1.0)
    await server.start()
    lean = await asyncio.open_connection("127.0.0.1", server.port)
    lean[1].write(_post("/held", b"x"))
    routed = await asyncio.open_connection("127.0.0.1", server.port)
    routed[1].write(b"POST /held HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    b"1\r\nx\r\n0\r\n\r\n")

    async def both_in_flight() -> bool:
        return len(started) == 2

    await eventually(both_in_flight)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(server.close(), 10)
    took = loop.time() - began
    for _, writer in (lean, routed):
        writer.close()
    assert took < 2.5, f"closing waited {took:.2f} s: the lean wait, then aiohttp's"
