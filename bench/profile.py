"""Profile the in-process pipeline: ``python -m bench.profile [CUSTOMERS] [INFLIGHT]``.
Prints the top functions by own time and by cumulative time (cProfile), and writes
bench/results/profile.txt."""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from pathlib import Path

from bench.ours import OursBench
from bench.server import BenchServer
from bot import loop

OUT = Path(__file__).resolve().parent / "results" / "profile.txt"


async def _run(url: str, customers: int, inflight: int, profiler: cProfile.Profile) -> None:
    bench = OursBench(url)
    await bench.run(range(100), inflight)  # warm-up, not profiled
    profiler.enable()
    result = await bench.run(range(customers), inflight)
    profiler.disable()
    await bench.close()
    print(f"{result.messages} messages, {result.rate:.0f} msg/s under the profiler")


def main(customers: int = 500, inflight: int = 100) -> None:
    server = BenchServer()
    server.start()
    profiler = cProfile.Profile()
    try:
        loop.run(_run(server.url(0), customers, inflight, profiler))
    finally:
        server.stop()
    text = io.StringIO()
    for order in ("tottime", "cumulative"):
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(45)
    OUT.write_text(text.getvalue(), encoding="utf-8")
    print(text.getvalue())


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
