"""CPU per webhook of a web process's handler, without HTTP: the WhatsApp route's handler
(signature, JSON, parse, record) called in-process, 50 at a time, on a ``--role web``
runtime. Steadier than the HTTP figures on a loaded machine (no load generator sharing the
cores, no socket per request), so small changes of the handler show; A/B like
``bench.http_ab``, alternating:

    .venv/bin/python -m bench.ingest_cpu --a /tmp/omni-A --rounds 4 --webhooks 5000
    .venv/bin/python -m bench.ingest_cpu --instructions [--against REV] [--webhooks 2000]

``--instructions`` counts the machine instructions of the handler per webhook instead, under
valgrind (``bench.cpu_counts``): each child warms up on 500 webhooks, freezes the garbage
collector's generations, then builds ``--webhooks`` signed requests and posts them (or
not: that run is subtracted), so start-up, imports, warm-up and building the requests
cancel out. The machine's load does not move the count, so it is the figure for changes of
a few microseconds, which one run's CPU times spread wider than.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.cpu_counts import instructions, trees
from bench.http_bench import ROOT, deliveries
from bench.httpserve import PATH, _graph, bench_settings
from bench.server import BenchServer
from bench.stats import median
from bot import loop
from bot.runtime import Runtime
from bot.web.types import WebRequest

FOLDERS = ("bot", "bench", "connectors", "tests")


async def _child(redis_url: str, webhooks: int, salt: str, post: bool = True) -> float:
    """CPU microseconds per webhook of this process's handler (``post`` False: the
    requests are built, not posted)."""
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
            gc.collect()
            gc.freeze()  # what the warm-up made is not scanned again while counted
            items = requests(webhooks, salt)
            cpu = time.process_time()
            if post:
                await post_all(items)
            return (time.process_time() - cpu) / max(webhooks, 1) * 1e6
    finally:
        await graph.cleanup()


def _run(root: Path, redis_url: str, webhooks: int, salt: str) -> float:
    out = subprocess.run([sys.executable, "-m", "bench.ingest_cpu", "--child", redis_url,
                          str(webhooks), salt], cwd=root, capture_output=True, text=True,
                         check=True).stdout
    return float(out.split()[-1])


def _instructions_per_webhook(tree: str, redis_url: str, webhooks: int, salt: str) -> float:
    """Instructions of ``tree``'s handler per webhook: a run posting ``webhooks`` minus one
    building them and posting none (after an uncounted run, so the server holds this
    tree's scripts)."""
    child = [__file__, "--child", redis_url, str(webhooks)]
    subprocess.run([sys.executable, *child, f"{salt}x", "built"], cwd=tree, check=True,
                   capture_output=True, env={**os.environ, "PYTHONPATH": tree})
    counted = {post: instructions(tree, [*child, f"{salt}{post}", post])[0]
               for post in ("built", "posted")}
    return (counted["posted"] - counted["built"]) / webhooks


def _count(against: str | None, webhooks: int) -> None:
    server = BenchServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as other:
            for side, tree in trees(against, other, FOLDERS).items():
                each = _instructions_per_webhook(tree, server.url(3), webhooks, side[:1])
                print(f"{side:>12}: {each:,.0f} handler instructions per webhook", flush=True)
    finally:
        server.stop()


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(loop.run(_child(argv[1], int(argv[2]), argv[3], argv[4:] != ["built"])))
        return
    p = argparse.ArgumentParser(prog="python -m bench.ingest_cpu", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", type=Path, default=None, help="tree of version A")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--webhooks", type=int, default=None,
                   help="per round (5000), or per count (2000)")
    p.add_argument("--instructions", action="store_true",
                   help="count machine instructions per webhook (valgrind), not CPU time")
    p.add_argument("--against", metavar="REV", help="with --instructions: commit to compare")
    args = p.parse_args(argv)
    if args.against and not args.instructions:
        p.error("--against compares instruction counts: give --instructions too (or --a TREE)")
    if args.instructions:
        _count(args.against, args.webhooks or 2000)
        return
    args.webhooks = args.webhooks or 5000
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
