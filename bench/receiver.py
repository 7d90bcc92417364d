"""The business's endpoint in the events benchmark: checks each request's signature
(as a receiver should: ``bot.webhooks.signing.verify``), counts requests and events, and
answers 204. ``GET /stats`` tells the counts.

``python -m bench.receiver PORT SECRET`` serves it in a process of its own (prints READY,
serves until stdin closes): the bench's default, so the CPU measured in the bench's
process is ours (turns and the deliverer) and the receiver's is measured apart, as it
would be on the business's own server. ``receiver_app`` serves it in the bench's process
instead (``python -m bench --events-endpoint inline``), as the benchmark did until
session 9.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import asdict, dataclass

from aiohttp import web

from bot import loop
from bot.webhooks.signing import HEADER, verify

PATH = "/events"


@dataclass
class Receipts:
    requests: int = 0
    events: int = 0
    forged: int = 0


def receiver_app(secret: str, receipts: Receipts) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        receipts.requests += 1
        if not verify(secret, body, request.headers.get(HEADER, "")):
            receipts.forged += 1
            return web.Response(status=400)
        receipts.events += int(request.headers.get("Omnicanal-Event-Count", "1"))
        return web.Response(status=204)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(asdict(receipts))

    app = web.Application()
    app.router.add_post(PATH, receive)
    app.router.add_get("/stats", stats)
    return app


async def _serve(port: int, secret: str) -> None:
    runner = web.AppRunner(receiver_app(secret, Receipts()), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print("READY", flush=True)
    await asyncio.to_thread(sys.stdin.read)  # until the bench closes our stdin
    await runner.cleanup()


if __name__ == "__main__":
    loop.run(_serve(int(sys.argv[1]), sys.argv[2]))
