"""What one webhook POST costs the sender: aiohttp's client session (the deliverer's
before session 10) against ``bot.webhooks.http_client.WebhookClient``, side by side in
one process, alternating A B A B, to the events benchmark's receiver in a process of its
own (``bench/receiver.py``: its CPU is not ours). Each request is a signed event as the
deliverer sends it, ``concurrency`` at a time. ``floor`` is the least a POST can cost in
Python here: the request's bytes written on a kept-alive connection, the answer taken as
whole at its blank line (no parsing, no timeout, no checks; right for this receiver's
bodiless 204 only), so ``lean - floor`` is what the client itself adds.

    .venv/bin/python -m bench.webhook_client                  # 4 rounds of 3,000 each
    .venv/bin/python -m bench.webhook_client --requests 1000 --rounds 2 --calls

Prints client CPU per request (µs) per round and the median of the ratios; ``--calls``
adds one cProfile run of each: function calls per request (deterministic).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import aiohttp

from bench.receiver import PATH
from bot import loop
from bot.store.embedded import free_port
from bot.webhooks.events import BusinessEvent
from bot.webhooks.http_client import WebhookClient
from bot.webhooks.signing import HEADER, sign

SECRET = "bench-webhook-secret"
Post = Callable[[bytes, dict[str, str]], Awaitable[int]]


class Floor(asyncio.Protocol):
    """The floor's connection: one request at a time, the answer whole at its blank line."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self.answer is not None and data.endswith(b"\r\n\r\n"):
            self.answer.set_result(int(data[9:12]))

    async def post(self, request: bytes) -> int:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answer


def requests(count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Signed one-event requests, as ``Outgoing.signed`` makes them."""
    out = []
    for n in range(count):
        event = BusinessEvent("message.received", f"c{n}", {
            "channel": "telegram", "text": "I want to return my shoes", "message_id": n,
            "at": time.time()})
        body = event.to_json()
        out.append((body, {"Content-Type": "application/json",
                           HEADER: sign(SECRET, body), "Omnicanal-Event-Id": event.id,
                           "Omnicanal-Event-Type": event.type}))
    return out


async def timed(post: Post, batch: list[tuple[bytes, dict[str, str]]],
                concurrency: int) -> float:
    """Client CPU seconds to post ``batch``, ``concurrency`` requests in flight."""
    queue = iter(batch)

    async def sender() -> None:
        for body, headers in queue:
            status = await post(body, headers)
            if status != 204:
                raise RuntimeError(f"the receiver answered {status}")

    started = time.process_time()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return time.process_time() - started


async def main(args: argparse.Namespace) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}{PATH}"
    receiver = subprocess.Popen([sys.executable, "-m", "bench.receiver", str(port), SECRET],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert receiver.stdout is not None and receiver.stdin is not None
    await asyncio.to_thread(receiver.stdout.readline)
    session = aiohttp.ClientSession(headers={"User-Agent": "Omnicanal-Webhooks/1"})
    lean = WebhookClient(max_idle=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=10)

    async def with_aiohttp(body: bytes, headers: dict[str, str]) -> int:
        async with session.post(url, data=body, headers=headers, timeout=timeout) as answer:
            return answer.status

    async def with_lean(body: bytes, headers: dict[str, str]) -> int:
        return await lean.post(url, body, headers, timeout=10)

    idle: list[Floor] = []
    head = f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()

    async def with_floor(body: bytes, headers: dict[str, str]) -> int:
        if idle:
            connection = idle.pop()
        else:
            _, connection = await asyncio.get_running_loop().create_connection(
                Floor, "127.0.0.1", port)
        fields = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
        status = await connection.post(b"".join((
            head, fields.encode(), b"Content-Length: %d\r\n\r\n" % len(body), body)))
        idle.append(connection)
        return status

    clients = {"aiohttp": with_aiohttp, "lean": with_lean, "floor": with_floor}
    try:
        for post in clients.values():  # warm-up: connections open, code paths hot
            await timed(post, requests(200), args.concurrency)
        per_request: dict[str, list[float]] = {name: [] for name in clients}
        for _ in range(args.rounds):
            for name, post in clients.items():
                cpu = await timed(post, requests(args.requests), args.concurrency)
                per_request[name].append(cpu / args.requests * 1e6)
        for name, figures in per_request.items():
            print(f"{name:8} client CPU per request, µs: "
                  + ", ".join(f"{f:.1f}" for f in figures))
        for a, b in (("aiohttp", "lean"), ("lean", "floor")):
            ratios = [x / y for x, y in zip(per_request[a], per_request[b], strict=True)]
            print(f"{a} / {b}, median of the rounds' ratios: {statistics.median(ratios):.2f} "
                  f"(rounds {', '.join(f'{r:.2f}' for r in ratios)})")
        print(f"lean connections opened: {lean.connections_opened}")
        if args.calls:
            for name, post in clients.items():
                batch = requests(args.requests)
                profiler = cProfile.Profile()
                profiler.enable()
                await timed(post, batch, args.concurrency)
                profiler.disable()
                calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
                print(f"{name:8} function calls per request: {calls / args.requests:.1f}")
    finally:
        await session.close()
        await lean.close()
        for connection in idle:
            assert connection.transport is not None
            connection.transport.close()
        receiver.stdin.close()
        receiver.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--calls", action="store_true")
    loop.run(main(parser.parse_args()))
