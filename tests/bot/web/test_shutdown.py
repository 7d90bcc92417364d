"""Closing the server with visitors connected: an open websocket is told the server is
going away (1001) before aiohttp waits for the handlers in flight, so it does not hold
the close for the whole shutdown timeout (it held it 10 s: twice aiohttp's fixed 5 s,
whatever ``server.shutdown_timeout`` said); and the runtime's steps share one budget."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMsgType

from bot.runtime import Runtime
from bot.web.server import WebServer
from bot.web.types import WebSocketRoute

pytestmark = pytest.mark.timeout(60)


async def _closing_time(close: Any) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(close(), 30)
    return loop.time() - began


async def test_an_open_websocket_is_told_going_away_and_does_not_hold_the_close() -> None:
    async def waits_for_the_client(ws: Any) -> None:
        while await ws.receive_text() is not None:
            pass

    server = WebServer(host="127.0.0.1", port=0, shutdown_timeout=5.0,
                       routes=[WebSocketRoute("/ws", waits_for_the_client)])
    await server.start()
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{server.url}/ws")
        closing = asyncio.ensure_future(_closing_time(server.close))
        message = await asyncio.wait_for(ws.receive(), 10)
        took = await closing
    assert message.type is WSMsgType.CLOSE and message.data == WSCloseCode.GOING_AWAY
    assert took < 2.5, f"closing waited {took:.1f} s for a handler waiting on its client"


async def test_a_runtime_with_a_visitor_connected_stops_within_its_shutdown_timeout(
    make_settings: Any,
) -> None:
    runtime = Runtime(make_settings(server={"shutdown_timeout": 1}))
    await runtime.start()
    try:
        assert runtime.server is not None
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"{runtime.server.url}/webchat")
            await ws.send_json({"type": "hello"})
            await asyncio.wait_for(ws.receive(), 10)  # the visitor is known: it is open
            took = await _closing_time(runtime.close)
            message = await asyncio.wait_for(ws.receive(), 10)
    finally:
        await runtime.close()
    assert message.type in (WSMsgType.CLOSE, WSMsgType.CLOSED)
    assert took < 2.5, f"stopping took {took:.1f} s with shutdown_timeout 1"
