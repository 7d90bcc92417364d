"""The server side of the HTTP benchmark, run in its own process so the load generator
does not share its event loop: ``python -m bench.httpserve omni|bare PORT REDIS_URL``.

``omni`` is the real ``bot.runtime.Runtime`` with a WhatsApp connector whose Graph API is a
tiny fake in this process; ``bare`` is an aiohttp endpoint that reads the body, checks the
same HMAC and answers 200; ``raw`` the same check without aiohttp (``bench.rawhttp``).
Prints READY, serves until stdin closes."""

from __future__ import annotations

import asyncio
import contextlib
import sys

from aiohttp import web

from bench import rawhttp
from bot import loop
from bot.config import Settings, parse_settings
from bot.runtime import Runtime
from connectors.meta.webhook import SIGNATURE_HEADER, signature_valid

APP_SECRET = "bench-app-secret"
PATH = "/webhooks/whatsapp"


async def _graph() -> tuple[web.AppRunner, str]:
    """A fake Graph API that accepts every send at once."""
    async def messages(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"messaging_product": "whatsapp",
                                  "messages": [{"id": "wamid.x"}]})

    app = web.Application()
    app.router.add_post("/{version}/{node}/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


def bench_settings(redis_url: str, port: int, graph_url: str) -> Settings:
    """The runtime's settings: the bench's form, WhatsApp with its Graph API at
    ``graph_url``, the web chat off."""
    return parse_settings({
        "store": {"url": redis_url},
        "server": {"host": "127.0.0.1", "port": port},
        "flows": {"modules": ["bench.form"], "default": "form", "locales": ["en"]},
        "connectors": {"webchat": {"enabled": False}, "whatsapp": {
            "access_token": "wa-token", "phone_number_id": "PNID",
            "app_secret": APP_SECRET, "verify_token": "bench-verify",
            "graph_base": graph_url, "max_per_second": 1000}},
    }, env={})


async def _bare(port: int) -> web.AppRunner:
    secret = APP_SECRET.encode()

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        if not signature_valid(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return web.Response(status=403, text="bad signature")
        return web.Response(status=200, text="ok")

    app = web.Application()
    app.router.add_post(PATH, receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _wait_stdin_closed() -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)


async def main(kind: str, port: int, redis_url: str) -> None:
    if kind == "raw":
        raw = await rawhttp.serve(port, APP_SECRET.encode())
        print("READY", flush=True)
        await _wait_stdin_closed()
        raw.close()
        return
    if kind == "bare":
        runner = await _bare(port)
        print("READY", flush=True)
        await _wait_stdin_closed()
        await runner.cleanup()
        return
    graph, graph_url = await _graph()
    settings = bench_settings(redis_url, port, graph_url)
    # "web": a web process of a scaled deployment (records and rings workers; the turns
    # run elsewhere): the ingestion rate proper. "omni": one process doing everything.
    async with Runtime(settings, role="web" if kind == "web" else "all") as runtime:
        print("READY", flush=True)
        await _wait_stdin_closed()
        # Finish the turns still running before the runtime closes its connectors.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.settle(), 30)
    await graph.cleanup()


if __name__ == "__main__":
    loop.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
