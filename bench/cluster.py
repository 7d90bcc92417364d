"""One master against the local three-master Redis Cluster (issue 22, target 6):
``python -m bench.cluster``.

The ``ours`` load run, A B A B, on a single Valkey and on a cluster of three masters on
this machine (``tests.servers.start_cluster``), new customers each run. The figures the
capacity model in ``bench/README.md`` needs: messages/s, client CPU per message, server CPU
per message summed over the masters and each master's share (how evenly the customers'
hash slots spread the work), round trips per message (on a cluster the batcher keeps one
connection per master, so a tick's commands become up to one write per master).

On 2 cores the cluster cannot serve more: three servers and the load share the same two
cores. What it shows is that the work per message stays the same and splits evenly, which
is what lets masters be added for more messages per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.ours import OursBench
from bench.report import load_arguments, run_side_bench
from bench.server import BenchServer, ServerStats, snapshot
from bench.stats import median
from bot.store.client import connect
from bot.store.embedded import free_port
from tests.servers import start_cluster

HERE = Path(__file__).resolve().parent


async def _measure(bench: OursBench, nodes: list[Redis], customers: range,
                   inflight: int) -> dict[str, Any]:
    """One run; server CPU and commands from every node (``bench.run``'s own figures read
    one node only)."""
    bench.store.forget_identities()
    before = [await snapshot(n) for n in nodes]
    result = await bench.run(customers, inflight, flush=False)
    spent: list[ServerStats] = [after.minus(b) for after, b in
                                zip([await snapshot(n) for n in nodes], before, strict=True)]
    n = max(result.messages, 1)
    cpu = [s.cpu for s in spent]
    return {"msgs_per_s": result.rate, "client_cpu_ms_per_msg": result.cpu / n * 1000,
            "server_cpu_ms_per_msg": sum(cpu) / n * 1000,
            "server_cpu_share_per_node": [c / max(sum(cpu), 1e-9) for c in cpu],
            "round_trips_per_msg": result.round_trips / n}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    single = BenchServer()
    single.start()
    ports = [free_port() for _ in range(3)]
    with tempfile.TemporaryDirectory(prefix="omnicluster-") as base:
        processes = start_cluster(Path(base), ports)
        try:
            one = OursBench(single.url(0))
            three = OursBench(f"redis://127.0.0.1:{ports[0]}",
                              client=connect(f"redis://127.0.0.1:{ports[0]}", cluster=True))
            nodes = {"one_master": [Redis.from_url(single.url(0))],
                     "three_masters": [Redis(port=p) for p in ports]}
            benches = {"one_master": one, "three_masters": three}
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in benches}
            for round_no in range(args.rounds + 1):  # the first round warms up
                first = (round_no + 1) * 1_000_000
                for name, bench in benches.items():
                    row = await _measure(bench, nodes[name],
                                         range(first, first + args.customers), args.inflight)
                    if round_no:
                        runs[name].append(row)
                    print(f"[cluster {time.strftime('%H:%M:%S')}] round {round_no} {name}: "
                          f"{row['msgs_per_s']:.0f} msg/s, server CPU "
                          f"{row['server_cpu_ms_per_msg']:.3f} ms/msg", file=sys.stderr)
            for bench in benches.values():
                await bench.close()
            for clients in nodes.values():
                for client in clients:
                    await client.aclose()
        finally:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)
            single.stop()
    medians = {name: {key: median([r[key] for r in rows]) for key in rows[0]
                      if key != "server_cpu_share_per_node"} for name, rows in runs.items()}
    return {"customers_per_run": args.customers, "inflight": args.inflight,
            "median": medians, "rounds": runs}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__)
    p.add_argument("--customers", type=int, default=1000)
    load_arguments(p, rounds=3, output=HERE / "results" / "cluster.json")
    return p.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(run_side_bench(main, parse(sys.argv[1:]))["median"], indent=2))
