"""The one HTTP server against hostile and careless clients: framing by other sites, other
origins behind a proxy, slow clients over a raw socket, metrics on the public port."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.runtime import Runtime
from bot.web.origin import PublicOrigin
from bot.web.server import WebServer
from bot.web.types import Route, WebRequest, WebResponse

pytestmark = pytest.mark.timeout(60)

PUBLIC = "https://chat.example.com"
TOKEN = "Zq7vR2mX9kLp4sWt8nYb3cHd6fJg1aEu"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def test_html_pages_have_a_csp_header_with_frame_ancestors_and_our_own_connect_src(
    make_settings: Any, http: aiohttp.ClientSession,
) -> None:
    async with Runtime(make_settings()) as runtime:
        assert runtime.server is not None
        base, host = runtime.server.url, f"127.0.0.1:{runtime.server.port}"
        for page in ("/", "/operator", "/operator/analytics"):
            async with http.get(base + page) as response:
                assert response.status == 200 and response.content_type == "text/html"
                policy = response.headers["Content-Security-Policy"]
            directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
            assert directives["frame-ancestors"] == "'none'", page
            assert directives["connect-src"] == f"'self' ws://{host} wss://{host}", page
            assert directives["default-src"] == "'none'"


async def test_static_files_are_nosniff(make_settings: Any, http: aiohttp.ClientSession) -> None:
    async with Runtime(make_settings()) as runtime:
        assert runtime.server is not None
        for path in ("/webchat/static/chat.js", "/webchat/static/chat.css",
                     "/operator/static/console.js"):
            async with http.get(runtime.server.url + path) as response:
                assert response.status == 200, path
                assert response.headers["X-Content-Type-Options"] == "nosniff", path


async def test_origin_checks_hold_behind_a_proxy_that_rewrites_host(
    make_settings: Any, http: aiohttp.ClientSession,
) -> None:
    # A token (not the console's cookie: with an https public URL it is Secure, and this
    # test speaks plain HTTP to the proxy's side).
    operators = [{"id": "desk", "name": "Helpdesk", "token": TOKEN}]
    settings = make_settings(server={"public_url": PUBLIC}, handoff={"operators": operators})
    async with Runtime(settings) as runtime:
        assert runtime.server is not None
        base = runtime.server.url  # the proxy's Host: 127.0.0.1:port
        # The web chat's websocket, from our page and from another site.
        async with http.ws_connect(f"{base}/webchat", headers={"Origin": PUBLIC}) as ws:
            await ws.send_json({"type": "hello", "token": None})
            assert (await ws.receive_json(timeout=5))["type"] == "welcome"
        for other in ("https://evil.example", "http://chat.example.com", "null", base):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{base}/webchat", headers={"Origin": other})
            assert refused.value.status == 403, other
        # The console: its POSTs check the Origin too.
        note = f"{base}/operator/api/conversations/nobody/note"
        for origin, allowed in ((PUBLIC, True), ("https://evil.example", False)):
            headers = {"Origin": origin, "Authorization": f"Bearer {TOKEN}"}
            async with http.post(note, json={"text": "hi"}, headers=headers) as response:
                assert response.status != 401
                assert (response.status != 403) is allowed, (origin, response.status)

async def test_without_a_public_url_the_host_header_is_our_origin(
    make_settings: Any, http: aiohttp.ClientSession,
) -> None:
    async with Runtime(make_settings()) as runtime:
        assert runtime.server is not None
        base = runtime.server.url
        async with http.ws_connect(f"{base}/webchat", headers={"Origin": base}) as ws:
            await ws.send_json({"type": "hello", "token": None})
            assert (await ws.receive_json(timeout=5))["type"] == "welcome"
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await http.ws_connect(f"{base}/webchat", headers={"Origin": PUBLIC})


def test_public_origins_compare_scheme_host_and_port() -> None:
    origin = PublicOrigin.from_url("https://Chat.Example.com:443/chat/")
    assert origin.allows("https://chat.example.com", "127.0.0.1:8080")
    assert not origin.allows("https://chat.example.com:8443", None)
    assert origin.allows(None, None), "not from a page"
    bare = PublicOrigin()
    assert bare.allows("http://localhost", "localhost:80")
    assert not bare.allows("http://localhost", 'localhost"; script-src *')
    assert bare.websocket_sources('x"; script-src *') == ""
    with pytest.raises(ValueError):
        PublicOrigin.from_url("chat.example.com")


async def _closed_after(port: int, first: bytes, trickle: bytes, every: float,
                        limit: float) -> tuple[float, bytes]:
    """Send ``first``, then ``trickle`` one byte at a time every ``every`` seconds, as a
    slow (or malicious) client does; the seconds until the server closed, and its answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()

    async def dribble() -> None:
        writer.write(first)
        for byte in trickle:
            await writer.drain()
            await asyncio.sleep(every)
            writer.write(bytes([byte]))

    sender = asyncio.create_task(dribble())
    try:
        answer = await asyncio.wait_for(reader.read(), limit)
    finally:
        sender.cancel()
        writer.close()
    return time.monotonic() - started, answer


async def test_a_body_trickled_byte_by_byte_is_cut_off(make_settings: Any) -> None:
    async with Runtime(make_settings(server={"body_timeout": 1.0})) as runtime:
        assert runtime.server is not None
        head = (b"POST /operator/api/login HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n")
        seconds, answer = await _closed_after(runtime.server.port, head, b"{" * 200,
                                              every=0.2, limit=10)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:40]
    assert seconds < 6, seconds  # the body limit plus a short linger, not 200 x 0.2 s


async def test_headers_trickled_byte_by_byte_are_cut_off(make_settings: Any) -> None:
    async with Runtime(make_settings(server={"header_timeout": 1.0})) as runtime:
        assert runtime.server is not None
        seconds, answer = await _closed_after(runtime.server.port, b"GET /healthz HTTP/1.1\r\n",
                                              b"X-Slow: " + b"a" * 200, every=0.2, limit=10)
    assert b"200" not in answer
    assert seconds < 6, seconds  # the header limit, not 208 x 0.2 s


async def test_metrics_are_served_only_on_their_own_port(make_settings: Any,
                                                          http: aiohttp.ClientSession) -> None:
    async with Runtime(make_settings(server={"metrics_port": 0})) as runtime:
        assert runtime.server is not None and runtime.metrics_server is not None
        async with http.get(f"{runtime.server.url}/metrics") as public:
            assert public.status == 404
        async with http.get(f"{runtime.server.url}/healthz") as health:
            assert health.status == 200
        async with http.get(f"{runtime.metrics_server.url}/metrics") as metrics:
            assert metrics.status == 200
            assert "# TYPE omnicanal_messages_received_total counter" in await metrics.text()
        async with http.get(f"{runtime.metrics_server.url}/operator") as other:
            assert other.status == 404, "the metrics port serves nothing else"


async def test_a_body_is_read_whole_whether_it_arrives_at_once_or_in_pieces() -> None:
    # A body that came with its headers is read without a timer; a chunked one larger than
    # the route's limit is still refused, and one sent in two pieces is still read whole.
    seen: list[bytes] = []

    async def echo(request: WebRequest) -> WebResponse:
        seen.append(request.body)
        return WebResponse.text(200, "ok")

    server = WebServer(host="127.0.0.1", port=0, routes=[Route("POST", "/in", echo,
                                                                 max_body=32)])
    await server.start()
    try:
        async def exchange(*pieces: bytes) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            for piece in pieces:
                writer.write(piece)
                await writer.drain()
                await asyncio.sleep(0.2)
            answer = await reader.readuntil(b"\r\n\r\n")
            writer.close()
            return answer

        head = b"POST /in HTTP/1.1\r\nHost: x\r\n"
        whole = await exchange(head + b"Content-Length: 5\r\n\r\nhello")
        pieces = await exchange(head + b"Content-Length: 10\r\n\r\nhello", b"world")
        chunk = b"%x\r\n%s\r\n" % (40, b"x" * 40)
        chunked = await exchange(head + b"Transfer-Encoding: chunked\r\n\r\n" + chunk
                                 + b"0\r\n\r\n")
    finally:
        await server.close()
    assert whole.startswith(b"HTTP/1.1 200") and pieces.startswith(b"HTTP/1.1 200")
    assert chunked.startswith(b"HTTP/1.1 413"), chunked[:40]
    assert seen == [b"hello", b"helloworld"]
