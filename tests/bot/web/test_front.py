"""POSTs to literal paths are answered in front of aiohttp's Application, and answered as
the Application would: same status, body and security headers, errors included; every
other request still goes through the Application (its router and middlewares)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import aiohttp
import pytest
from aiohttp import web

from bot.web.headers import EVERY_RESPONSE
from bot.web.server import WebServer
from bot.web.types import Route, WebRequest, WebResponse

pytestmark = pytest.mark.timeout(60)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Served:
    """A started server with a literal POST route, a placeholder one, and a failing one;
    ``routed`` lists the paths the Application's middleware saw."""

    def __init__(self) -> None:
        self.routed: list[str] = []
        self.seen: list[WebRequest] = []

        async def echo(request: WebRequest) -> WebResponse:
            self.seen.append(request)
            return WebResponse.text(200, f"got {request.body.decode()}")

        async def broken(request: WebRequest) -> WebResponse:
            raise RuntimeError("a handler bug")

        async def slow(request: WebRequest) -> WebResponse:
            raise TimeoutError

        self.server = WebServer(host="127.0.0.1", port=0, routes=[
            Route("POST", "/hook", echo, max_body=32), Route("GET", "/hook", echo),
            Route("POST", "/items/{name}", echo), Route("POST", "/broken", broken),
            Route("POST", "/slow", slow)])

        @web.middleware
        async def witness(request: web.Request, handler: Handler) -> web.StreamResponse:
            self.routed.append(request.path)
            return await handler(request)

        self.server.app.middlewares.append(witness)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    served = Served()
    await served.server.start()
    try:
        yield served
    finally:
        await served.server.close()


def _secured(headers: Mapping[str, str]) -> bool:
    return all(headers.get(name) == value for name, value in EVERY_RESPONSE.items())


async def test_a_post_to_a_literal_path_skips_the_application_and_answers_the_same(
        served: Served) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{served.url}/hook", data=b"hello") as direct:
            direct_answer = (direct.status, await direct.text(), direct.headers.copy())
        async with http.post(f"{served.url}/hook?via=router", data=b"hello") as routed:
            routed_answer = (routed.status, await routed.text(), routed.headers.copy())
    assert served.routed == ["/hook"], "only the request with a query string was routed"
    assert direct_answer[:2] == routed_answer[:2] == (200, "got hello")
    assert _secured(direct_answer[2]) and _secured(routed_answer[2])
    assert [r.params for r in served.seen] == [{}, {}]


async def test_other_methods_and_placeholder_paths_still_go_through_the_application(
        served: Served) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{served.url}/hook") as get:
            assert get.status == 200 and _secured(get.headers)
        async with http.post(f"{served.url}/items/pen", data=b"x") as item:
            assert item.status == 200 and _secured(item.headers)
        async with http.put(f"{served.url}/hook", data=b"x") as put:
            assert put.status == 405 and _secured(put.headers)
        async with http.post(f"{served.url}/hook", data=b"x",
                             headers={"Expect": "100-continue"}) as expecting:
            assert expecting.status == 200
    assert served.routed == ["/hook", "/items/pen", "/hook", "/hook"]
    assert served.seen[1].params == {"name": "pen"}


async def test_limits_and_errors_on_the_front_path_carry_the_security_headers(
        served: Served) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{served.url}/hook", data=b"x" * 33) as large:
            assert (large.status, await large.text()) == (413, "request body too large")
            assert _secured(large.headers)
        async with http.post(f"{served.url}/broken", data=b"x") as broken:
            assert broken.status == 500
            assert (await broken.text()).startswith("500 Internal Server Error")
            assert _secured(broken.headers)
        async with http.post(f"{served.url}/slow", data=b"x") as slow:
            assert slow.status == 504 and _secured(slow.headers)
    assert served.routed == []


async def test_a_slow_body_on_the_front_path_is_cut_off_with_408() -> None:
    async def echo(request: WebRequest) -> WebResponse:
        return WebResponse.text(200, "ok")

    server = WebServer(host="127.0.0.1", port=0, body_timeout=0.5,
                       routes=[Route("POST", "/hook", echo)])
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhel")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    finally:
        await server.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:40]
    assert b"X-Content-Type-Options: nosniff" in answer
