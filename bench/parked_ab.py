"""A/B in one process: the pipeline's turns on parked tasks (B, ``TaskTracker.run``) or on
a task each (A, ``parked=0``), alternated round by round so that the load of a shared
machine weighs on both alike. Prints the client CPU per message of each round and the
median of B / A over the pairs.

    .venv/bin/python -m bench.parked_ab [ROUNDS] [CUSTOMERS]
"""

from __future__ import annotations

import statistics
import sys
import time

from bench.ours import OursBench
from bench.server import BenchServer
from bot import loop


async def _run(url: str, rounds: int, customers: int) -> list[float]:
    bench = OursBench(url)
    await bench.run(range(100), 100)  # warm-up
    ratios = []
    for n in range(rounds):
        cpu = {}
        for side, parked in (("A", 0), ("B", 256)) if n % 2 == 0 else (("B", 256), ("A", 0)):
            bench.pipeline.turns._parked_limit = parked
            started = time.process_time()
            result = await bench.run(range(customers), 100)
            cpu[side] = (time.process_time() - started) / result.messages * 1e6
        ratios.append(cpu["B"] / cpu["A"])
        print(f"round {n + 1}: A {cpu['A']:.0f} us, B {cpu['B']:.0f} us per message, "
              f"B / A {ratios[-1]:.3f}", flush=True)
    await bench.close()
    return ratios


def main(rounds: int = 10, customers: int = 1000) -> None:
    server = BenchServer()
    server.start()
    try:
        ratios = loop.run(_run(server.url(0), rounds, customers))
    finally:
        server.stop()
    print(f"B / A, median of {rounds} pairs: {statistics.median(ratios):.3f} "
          f"(pairs {min(ratios):.3f}-{max(ratios):.3f})")


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:3]])
