"""The in-process benchmark in 1 process and in 2 processes splitting the customers, both
against the same server: total messages per second."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

ROOT = Path(__file__).resolve().parent.parent


async def run_processes(url: str, customers: int, inflight: int, processes: int) -> float:
    """Total msgs/s of ``processes`` workers sharing ``customers`` and ``inflight``."""
    admin = Redis.from_url(url)
    await admin.execute_command("FLUSHDB", "SYNC")
    await admin.aclose()
    share, extra = divmod(customers, processes)
    children = []
    first = 0
    for p in range(processes):
        count = share + (1 if p < extra else 0)
        children.append(subprocess.Popen(
            [sys.executable, "-m", "bench.worker", url, str(first), str(count),
             str(max(1, inflight // processes))],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
        first += count
    try:
        for child in children:
            assert child.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 60)
            if not line.startswith("READY"):
                raise RuntimeError(f"worker did not start: {line!r}")
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            assert child.stdout is not None
            line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 600)
            results.append(json.loads(line))
    finally:
        for child in children:
            child.wait(timeout=30)
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    return sum(r["messages"] for r in results) / wall
