"""Profile the in-process pipeline.

``python -m bench.profile [CUSTOMERS] [INFLIGHT]`` runs the load under cProfile, prints the
top functions by own time and by cumulative time and the Python calls per message (the
figure that moves first when a change trims the path), and writes bench/results/profile.txt.
cProfile's per-call overhead inflates small functions; for a truer picture of where the
CPU goes, run without it and attach a sampling profiler (py-spy, not a dependency) once
the warm-up is over::

    .venv/bin/python -m bench.profile 20000 100 --sampling &   # prints its pid when warm
    py-spy record -r 1000 -d 8 -f raw -o /tmp/pipeline.raw --pid PID

``--events`` turns the event webhooks on (``OursBench(events=True)``: the receiver in a
process of its own), to profile what delivering them costs beside the turns.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import resource
import sys
from pathlib import Path

from bench.ours import OursBench
from bench.server import BenchServer
from bot import loop

OUT = Path(__file__).resolve().parent / "results" / "profile.txt"


async def _run(url: str, customers: int, inflight: int,
               profiler: cProfile.Profile | None, events: bool) -> int:
    bench = OursBench(url, events=events)
    await bench.run(range(100), inflight)  # warm-up, not profiled
    if profiler is None:
        print(f"warm: pid {os.getpid()}", flush=True)
    else:
        profiler.enable()
    before = resource.getrusage(resource.RUSAGE_SELF)
    io_before = _io_counts()
    result = await bench.run(range(customers), inflight)
    after = resource.getrusage(resource.RUSAGE_SELF)
    io_after = _io_counts()
    if profiler is not None:
        profiler.disable()
    await bench.close()
    n = result.messages
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(f"{n} messages, {result.rate:.0f} msg/s, "
          f"{(user + system) / n * 1e6:.0f} us CPU per message "
          f"(user {user / n * 1e6:.0f}, system {system / n * 1e6:.0f})"
          f"{' under the profiler' if profiler else ''}")
    switches = ((after.ru_nvcsw - before.ru_nvcsw) / n, (after.ru_nivcsw - before.ru_nivcsw) / n)
    calls = {k: (io_after[k] - io_before[k]) / n for k in io_after}
    print(f"per message: {calls.get('syscr', 0):.1f} read and {calls.get('syscw', 0):.1f} "
          f"write system calls, {switches[0]:.2f} voluntary and {switches[1]:.2f} "
          f"involuntary context switches; busy {(user + system) / result.wall:.0%} of the "
          f"wall time (the rest idle, waiting)")
    return result.messages


def _io_counts() -> dict[str, int]:
    """The process's read and write system calls so far (Linux's /proc; empty elsewhere)."""
    try:
        lines = Path("/proc/self/io").read_text().splitlines()
    except OSError:
        return {}
    pairs = (line.split(": ") for line in lines)
    return {k: int(v) for k, v in pairs if k in ("syscr", "syscw")}


def main(customers: int = 500, inflight: int = 100, *, sampling: bool = False,
         events: bool = False) -> None:
    server = BenchServer()
    server.start()
    profiler = None if sampling else cProfile.Profile()
    try:
        messages = loop.run(_run(server.url(0), customers, inflight, profiler, events))
    finally:
        server.stop()
    if profiler is None:
        return
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    # Deterministic, where CPU per message moves by a fifth between runs on a busy
    # machine: what a change that trims the path shows first.
    calls = sum(row[1] for row in stats.stats.values())  # type: ignore[attr-defined]
    print(f"{calls / messages:.1f} Python calls per message", file=text)
    for order in ("tottime", "cumulative"):
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(45)
    OUT.write_text(text.getvalue(), encoding="utf-8")
    print(text.getvalue())


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
    main(*numbers[:2], sampling="--sampling" in sys.argv, events="--events" in sys.argv)
