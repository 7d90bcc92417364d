"""Deterministic counts per webhook over HTTP, which the load of a shared machine does not
move: the Python calls (``sys.setprofile``) and, for the web role, the store's round trips
of a process answering signed WhatsApp webhooks, against the bare aiohttp endpoint in the
same run. Server and client share one process here, so the client's calls are counted
too: the client is a few raw-socket lines, the same for every server, so differences
between A, B and bare are the servers' own.

    .venv/bin/python -m bench.ingest_calls --a /tmp/omni-A --webhooks 2000

``--a`` is another tree (``git archive COMMIT | tar -x -C DIR``), run with this
virtualenv; B is this tree (this file is copied into A's ``bench/`` when A has none).
The profiler slows the process several-fold, so read only the
counts here; time and CPU come from ``bench.http_ab`` and ``bench.ingest_cpu``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from bench.http_bench import ROOT, deliveries
from bench.httpserve import PATH, _bare, _graph, bench_settings
from bench.server import BenchServer
from bot import loop
from bot.runtime import Runtime
from bot.store.embedded import free_port


class CallCounter:
    """Python function calls (``call``) and C calls (``c_call``) while ``on``."""

    def __init__(self) -> None:
        self.python = 0
        self.c = 0

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            self.python += 1
        elif event == "c_call":
            self.c += 1

    def on(self) -> None:
        sys.setprofile(self)

    def off(self) -> None:
        sys.setprofile(None)


def _requests(count: int, salt: str) -> list[bytes]:
    return [(f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
             + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
            for body, headers in deliveries(count, salt)]


async def _post_all(port: int, requests: list[bytes], concurrency: int = 50) -> None:
    """Each request on one of ``concurrency`` kept-alive connections; raises on a non-200."""
    pending = iter(requests)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in pending:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"answered {head[:40]!r}")
            length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
        writer.close()
        await writer.wait_closed()
    await asyncio.gather(*(connection() for _ in range(concurrency)))


async def _child(kind: str, redis_url: str, webhooks: int, salt: str) -> str:
    counter = CallCounter()
    warm, measured = _requests(300, f"{salt}w"), _requests(webhooks, salt)
    if kind == "bare":
        port = free_port()
        runner = await _bare(port)
        try:
            await _post_all(port, warm)
            counter.on()
            await _post_all(port, measured)
            counter.off()
        finally:
            await runner.cleanup()
        return f"{counter.python / webhooks} {counter.c / webhooks} 0"
    graph, graph_url = await _graph()
    try:
        async with Runtime(bench_settings(redis_url, 0, graph_url), role="web") as runtime:
            assert runtime.server is not None
            batcher = runtime.store.batcher
            await _post_all(runtime.server.port, warm)
            trips = batcher.round_trips
            counter.on()
            await _post_all(runtime.server.port, measured)
            counter.off()
            trips = batcher.round_trips - trips
    finally:
        await graph.cleanup()
    return f"{counter.python / webhooks} {counter.c / webhooks} {trips / webhooks}"


def _run(root: Path, kind: str, redis_url: str, webhooks: int, salt: str) -> list[float]:
    here = Path(__file__).resolve()
    if not (root / "bench" / here.name).exists():  # an A from before this file
        shutil.copy(here, root / "bench" / here.name)
    out = subprocess.run([sys.executable, "-m", "bench.ingest_calls", "--child", kind,
                          redis_url, str(webhooks), salt], cwd=root, capture_output=True,
                         text=True, check=True).stdout
    return [float(v) for v in out.split()[-3:]]


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(loop.run(_child(argv[1], argv[2], int(argv[3]), argv[4])))
        return
    p = argparse.ArgumentParser(prog="python -m bench.ingest_calls", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", type=Path, default=None, help="tree of version A")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--webhooks", type=int, default=2000)
    args = p.parse_args(argv)
    server = BenchServer()
    server.start()
    try:
        for n in range(args.rounds):
            runs = [("A", args.a, "web")] if args.a is not None else []
            runs += [("B", ROOT, "web"), ("bare", ROOT, "bare")]
            for name, root, kind in runs:
                python, c, trips = _run(root, kind, server.url(3), args.webhooks,
                                        f"{name}{n}")
                print(f"round {n + 1} {name}: {python:.0f} Python calls, {c:.0f} C calls, "
                      f"{trips:.3f} store round trips per webhook", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
