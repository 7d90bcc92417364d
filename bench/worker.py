"""One worker process of the scaling run: ``python -m bench.worker URL FIRST COUNT INFLIGHT``.
Warms up, prints READY, waits for a line on stdin, runs its share of customers, prints one
JSON line with its message count and wall-clock start/end (epoch seconds)."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from bench.ours import OursBench
from bot import loop


async def main(url: str, first: int, count: int, inflight: int) -> None:
    bench = OursBench(url, prefix=f"p{first}-")
    await bench.run(range(first + 10_000_000, first + 10_000_000 + 20), 20, flush=False)
    print("READY", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    start = time.time()
    result = await bench.run(range(first, first + count), inflight, flush=False)
    end = time.time()
    await bench.close()
    print(json.dumps({"messages": result.messages, "start": start, "end": end,
                      "cpu": result.cpu}), flush=True)


if __name__ == "__main__":
    loop.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
