"""Signed WhatsApp webhooks over HTTP: ingestion rate (200 answers per second) of the
real runtime against a bare aiohttp endpoint doing the same read + HMAC check."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from redis.asyncio import Redis

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
    #: CPU seconds the server process used while the requests were timed (None where
    #: /proc is missing): unlike the rate, barely moved by other load on the machine.
    server_cpu: float | None = None

    @property
    def rate(self) -> float:
        return self.ok / self.wall if self.wall else 0.0

    @property
    def cpu_us_per_request(self) -> float | None:
        if self.server_cpu is None or not self.requests:
            return None
        return self.server_cpu / self.requests * 1e6


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux), None where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
                   salt: str, root: Path = ROOT,
                   env: dict[str, str] | None = None) -> HttpResult:
    """One timed run against a server of ``kind`` started from the code under ``root``
    (another checkout's tree, for an A/B of two versions side by side).

    Each run starts on an empty database. A process's start-up repairs read every session
    (the search index's catch-up, the handoff queue's repair), so another run's customers
    left in the database were billed to this one: with the runtime, the web role and bare
    sharing one database round after round, the web role's server CPU per webhook grew
    from 220 to 380-530 µs by the fifth round (session 11), and a runtime also worked off
    the web role's unprocessed messages of the round before."""
    admin = Redis.from_url(redis_url)
    try:
        await admin.flushdb(asynchronous=False)
    finally:
        await admin.aclose()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.httpserve", kind, str(port), redis_url],
        cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        if not line.startswith(b"READY"):
            raise RuntimeError(f"{kind} server did not start: {line!r}")
        url = f"http://127.0.0.1:{port}{PATH}"
        await _post_all(url, deliveries(min(200, requests), f"w{salt}"), concurrency)  # warm
        items = deliveries(requests, salt)
        cpu0 = cpu_seconds(process.pid)
        t0 = time.perf_counter()
        ok = await _post_all(url, items, concurrency)
        wall = time.perf_counter() - t0
        cpu1 = cpu_seconds(process.pid)
        cpu = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
        return HttpResult(kind, requests, ok, wall, cpu)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
