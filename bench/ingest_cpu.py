"""CPU per webhook of a web process's handler, without HTTP: the WhatsApp route's handler
(signature, JSON, parse, record) called in-process, 50 at a time, on a ``--role web``
runtime. Steadier than the HTTP figures on a loaded machine (no load generator sharing the
cores, no socket per request), so small changes of the handler show; A/B like
``bench.http_ab``, alternating:

    .venv/bin/python -m bench.ingest_cpu --a /tmp/omni-A --rounds 4 --webhooks 5000
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

from bench.http_bench import ROOT, deliveries
from bench.httpserve import PATH, _graph, bench_settings
from bench.server import BenchServer
from bench.stats import median
from bot import loop
from bot.runtime import Runtime
from bot.web.types import WebRequest


async def _child(redis_url: str, webhooks: int, salt: str) -> float:
    """CPU microseconds per webhook of this process's handler."""
    graph, graph_url = await _graph()
    settings = bench_settings(redis_url, 0, graph_url)
    try:
        async with Runtime(settings, role="web") as runtime:
            route = next(r for r in runtime.connectors["whatsapp"].routes()
                         if getattr(r, "method", "") == "POST")

            async def post_all(items: list[WebRequest]) -> None:
                pending = iter(items)

                async def worker() -> None:
                    for request in pending:
                        answer = await route.handler(request)
                        if answer.status != 200:
                            raise RuntimeError(f"answered {answer.status}")
                await asyncio.gather(*(worker() for _ in range(50)))

            def requests(count: int, tag: str) -> list[WebRequest]:
                return [WebRequest("POST", PATH, {k.lower(): v for k, v in h.items()}, {}, b)
                        for b, h in deliveries(count, tag)]

            await post_all(requests(500, f"{salt}w"))
            items = requests(webhooks, salt)
            cpu = time.process_time()
            await post_all(items)
            return (time.process_time() - cpu) / webhooks * 1e6
    finally:
        await graph.cleanup()


def _run(root: Path, redis_url: str, webhooks: int, salt: str) -> float:
    out = subprocess.run([sys.executable, "-m", "bench.ingest_cpu", "--child", redis_url,
                          str(webhooks), salt], cwd=root, capture_output=True, text=True,
                         check=True).stdout
    return float(out.split()[-1])


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(loop.run(_child(argv[1], int(argv[2]), argv[3])))
        return
    p = argparse.ArgumentParser(prog="python -m bench.ingest_cpu", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", type=Path, default=None, help="tree of version A")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--webhooks", type=int, default=5000)
    args = p.parse_args(argv)
    server = BenchServer()
    server.start()
    figures: dict[str, list[float]] = {"A": [], "B": []}
    try:
        for n in range(args.rounds):
            if args.a is not None:
                figures["A"].append(_run(args.a, server.url(3), args.webhooks, f"a{n}"))
            figures["B"].append(_run(ROOT, server.url(3), args.webhooks, f"b{n}"))
            print(f"round {n + 1}: " + ", ".join(f"{k} {v[-1]:.1f} us" for k, v in
                                                 figures.items() if v), flush=True)
    finally:
        server.stop()
    for name, values in figures.items():
        if values:
            print(f"{name}: median {median(values):.1f} us of CPU per webhook "
                  f"(rounds {', '.join(f'{v:.1f}' for v in values)})")
    if figures["A"]:
        pairs = [b / a for a, b in zip(figures["A"], figures["B"], strict=True)]
        print(f"B / A: median {median(pairs):.2f} (rounds "
              f"{', '.join(f'{r:.2f}' for r in pairs)})")


if __name__ == "__main__":
    main(sys.argv[1:])
