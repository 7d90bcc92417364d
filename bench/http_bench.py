"""Signed WhatsApp webhooks over HTTP: ingestion rate (200 answers per second) of the
real runtime against a bare aiohttp endpoint doing the same read + HMAC check."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.form import script
from bench.httpserve import APP_SECRET, PATH
from bot.store.embedded import free_port
from tests.fakes import meta_webhooks as hooks

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class HttpResult:
    kind: str
    requests: int
    ok: int
    wall: float

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0


def deliveries(count: int, salt: str) -> list[tuple[bytes, dict[str, str]]]:
    """Signed bodies: customer j//4 sends message j%4 of the form."""
    out = []
    for j in range(count):
        index, n = divmod(j, 4)
        payload = hooks.whatsapp_text(wa_id=f"{salt}{index}", text=script(index)[n],
                                      message_id=f"wamid.{salt}.{j}", phone_number_id="PNID")
        body = hooks.encode(payload)
        out.append((body, {"Content-Type": "application/json",
                           "X-Hub-Signature-256": hooks.sign(APP_SECRET, body)}))
    return out


async def _post_all(url: str, items: list[tuple[bytes, dict[str, str]]],
                    concurrency: int) -> int:
    ok = 0
    pending = iter(items)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def worker() -> None:
            nonlocal ok
            for body, headers in pending:
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    ok += response.status == 200
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


async def run_http(kind: str, redis_url: str, *, requests: int, concurrency: int,
                   salt: str) -> HttpResult:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.httpserve", kind, str(port), redis_url],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        if not line.startswith(b"READY"):
            raise RuntimeError(f"{kind} server did not start: {line!r}")
        url = f"http://127.0.0.1:{port}{PATH}"
        await _post_all(url, deliveries(min(200, requests), f"w{salt}"), concurrency)  # warm
        items = deliveries(requests, salt)
        t0 = time.perf_counter()
        ok = await _post_all(url, items, concurrency)
        wall = time.perf_counter() - t0
        return HttpResult(kind, requests, ok, wall)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
