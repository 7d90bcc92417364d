"""The ingestion A/B: a ``--role web`` process of two code versions and the bare aiohttp
endpoint, side by side in one run, alternating (A B bare, A B bare, ...).

    .venv/bin/python -m bench.http_ab --a /tmp/omni-A --rounds 4 --requests 2000

``--a`` is another checkout's tree (``git archive COMMIT | tar -x -C DIR``), run with this
virtualenv; B is this tree. Without ``--a`` it is the web role against bare only. On a
machine shared with other work the rates move by tens of percent from one run to the next,
so each round's ratios are taken within the round (web / bare of the same round), and the
server CPU per webhook, which the load moves much less, is reported beside them.

To see where a web process spends its CPU, attach a sampling profiler (py-spy, not a
dependency; ``--nonblocking``, else pausing the process distorts what it measures) to a
``python -m bench.httpserve web PORT REDIS_URL`` under load: on this 2-core machine its
wall-clock samples pile up on socket writes (each write wakes Valkey or the client, which
may take the core), so read them beside the in-process CPU of each part.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.http_bench import ROOT, HttpResult, run_http
from bench.server import BenchServer
from bench.stats import median
from bot import loop


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.http_ab", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--a", type=Path, default=None, help="tree of version A")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--raw", action="store_true",
                   help="also the same HMAC check without aiohttp (bench.rawhttp) each round")
    return p.parse_args(argv)


def _line(name: str, result: HttpResult, bare: HttpResult) -> str:
    cpu = result.cpu_us_per_request
    return (f"{name}: {result.rate:.0f} req/s ({result.ok}/{result.requests} ok), "
            f"{result.rate / bare.rate:.2f}x bare, server CPU "
            f"{cpu:.0f} us per webhook" if cpu is not None else f"{name}: {result.rate:.0f}")


async def main(args: argparse.Namespace) -> None:
    server = BenchServer()
    server.start()
    figures: dict[str, list[tuple[float, float]]] = {"A": [], "B": [], "bare": [], "raw": []}
    try:
        for n in range(args.rounds):
            url, results = server.url(3), {}
            if args.a is not None:
                results["A"] = await run_http("web", url, requests=args.requests,
                                              concurrency=args.concurrency,
                                              salt=f"a{n}", root=args.a)
            results["B"] = await run_http("web", url, requests=args.requests,
                                          concurrency=args.concurrency, salt=f"b{n}",
                                          root=ROOT)
            bare = results["bare"] = await run_http("bare", url, requests=args.requests,
                                                    concurrency=args.concurrency, salt=f"c{n}")
            if args.raw:
                results["raw"] = await run_http("raw", url, requests=args.requests,
                                                concurrency=args.concurrency, salt=f"d{n}")
            print(f"round {n + 1}: " + "; ".join(_line(k, r, bare) for k, r in results.items()),
                  flush=True)
            for name, result in results.items():
                figures[name].append((result.rate / bare.rate, result.cpu_us_per_request or 0))
    finally:
        server.stop()
    for name, pairs in figures.items():
        if pairs:
            print(f"{name}: median {median([p[0] for p in pairs]):.2f}x bare "
                  f"(rounds {', '.join(f'{p[0]:.2f}' for p in pairs)}), server CPU "
                  f"{median([p[1] for p in pairs]):.0f} us per webhook")


if __name__ == "__main__":
    loop.run(main(_parse(sys.argv[1:])))
