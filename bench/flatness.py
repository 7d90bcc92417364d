"""Flat as the data grows (issue 22, target 4): ``python -m bench.flatness``.

Two comparisons, each side by side on one server (A B A B, medians of the per-round
ratios):

- **store size**: the ``ours`` load run on a database already holding 1,000 finished
  customers against one holding 1,000,000 (``--big``);
- **history length**: the run's own customers already known, each with a finished
  conversation and a history of 10 events against one of 2,000 (the default cap, so every
  commit of the long side also trims).

The stores are filled by a Lua script (``FILL``) that copies one real finished customer
(run through the pipeline first, then read back with DUMP) ``--chunk`` customers per call:
no turns, so a million customers take seconds, not hours. The same template gives the
memory per finished customer, key by key (``bench/memory.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.figures import per_run
from bench.memory import Template, customer_memory, template_customer
from bench.ours import OursBench
from bench.report import load_arguments, run_side_bench
from bench.server import BenchServer
from bench.stats import median
from bot.messages import Identity

HERE = Path(__file__).resolve().parent

FILL = """
local prefix, name, ident = ARGV[1], ARGV[2], ARGV[3]
local first, count, history = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local now, session, seen = ARGV[7], ARGV[8], ARGV[9]
local events = {}
for j = 10, #ARGV do events[#events + 1] = ARGV[j] end
for i = first, first + count - 1 do
  local cid = name .. i
  local tag = prefix .. ':{c:' .. cid .. '}:'
  local ik = ident .. i
  redis.call('SET', prefix .. ':id:' .. ik, cid)
  redis.call('RESTORE', tag .. 'session', 0, session, 'REPLACE')
  redis.call('RESTORE', tag .. 'seen', 0, seen, 'REPLACE')
  redis.call('HSET', tag .. 'ids', ik, now)
  redis.call('HSET', tag .. 'lastin', ik, now)
  local batch = {}
  for k = 1, history do
    batch[#batch + 1] = events[(k - 1) % #events + 1]
    if #batch == 500 then
      redis.call('RPUSH', tag .. 'events', unpack(batch))
      batch = {}
    end
  end
  if #batch > 0 then redis.call('RPUSH', tag .. 'events', unpack(batch)) end
end
return count
"""


async def fill(redis: Redis, template: Template, *, name: str, user_prefix: str,
               customers: range, history: int) -> float:
    """Write ``customers`` finished customers like ``template``; returns the seconds.
    Each call writes about 20,000 list entries: one script blocks the server meanwhile."""
    chunk = max(1, 20_000 // max(history, 10))
    ident = Identity(channel="bench", user_id=user_prefix).key
    started = time.perf_counter()
    for first in range(customers.start, customers.stop, chunk):
        count = min(chunk, customers.stop - first)
        await redis.eval(FILL, 0, template.prefix, name, ident, first, count, history,
                         int(time.time() * 1000), template.session_dump,
                         template.seen_dump, *template.events)
    return time.perf_counter() - started


#: The per-message figures kept of each run (``bench/figures.py``): the rates move with
#: other load on the machine, CPU per message and commands much less.
KEPT = ("msgs_per_s", "client_cpu_ms_per_msg", "server_cpu_ms_per_msg", "commands_per_msg")


async def _rate(bench: OursBench, customers: range, inflight: int) -> dict[str, float]:
    bench.store.forget_identities()
    row = per_run(await bench.run(customers, inflight, flush=False))
    return {k: row[k] for k in KEPT}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    server = BenchServer()
    server.start()
    try:
        template = await template_customer(server.url(9))
        memory = await customer_memory(server.url(9), template)
        small, big = Redis.from_url(server.url(0)), Redis.from_url(server.url(1))
        fills = {"small_s": await fill(small, template, name="bg", user_prefix="bg",
                                       customers=range(args.small), history=8),
                 "big_s": await fill(big, template, name="bg", user_prefix="bg",
                                     customers=range(args.big), history=8)}
        _log(f"filled {args.small} and {args.big} customers: {fills}")
        on_small, on_big = OursBench(server.url(0)), OursBench(server.url(1))
        short, long = OursBench(server.url(2)), OursBench(server.url(3))
        shorts, longs = Redis.from_url(server.url(2)), Redis.from_url(server.url(3))
        for bench in (on_small, on_big, short, long):  # warm-up, customers of their own
            await _rate(bench, range(10_000_000, 10_000_000 + args.customers), args.inflight)
        size: dict[str, list[dict[str, float]]] = {"small": [], "big": []}
        length: dict[str, list[dict[str, float]]] = {"short": [], "long": []}
        for round_no in range(args.rounds):
            run = range((round_no + 1) * 1_000_000, (round_no + 1) * 1_000_000 + args.customers)
            size["small"].append(await _rate(on_small, run, args.inflight))
            size["big"].append(await _rate(on_big, run, args.inflight))
            # The run's own customers, known beforehand with a history of each length.
            # Each side filled just before its own run, the order swapped every round: the
            # side run first no longer pays alone for whatever the other's fill left the
            # server and the machine doing (the short side, always first, came out slower).
            known = range(run.start, run.start + args.history_customers)
            sides = [("short", shorts, short, args.short_history),
                     ("long", longs, long, args.long_history)]
            for name, client, bench, events in sides[::-1 if round_no % 2 else 1]:
                await client.flushdb(asynchronous=False)
                await fill(client, template, name="h", user_prefix="u", customers=known,
                           history=events)
                length[name].append(await _rate(bench, known, args.inflight))
            _log(f"round {round_no + 1}: " + ", ".join(
                f"{name} {runs[-1]['msgs_per_s']:.0f} msg/s "
                f"({runs[-1]['server_cpu_ms_per_msg']:.3f} ms server CPU)"
                for name, runs in {**size, **length}.items()))
        for bench in (on_small, on_big, short, long):
            await bench.close()
        for client in (small, big, shorts, longs):
            await client.aclose()
        return {
            "customers_per_run": args.customers, "inflight": args.inflight,
            "store_sizes": [args.small, args.big], "fill_seconds": fills,
            "histories": [args.short_history, args.long_history],
            "history_customers_per_run": args.history_customers,
            "runs": {**size, **length},
            "median": {name: {k: median([r[k] for r in runs]) for k in KEPT}
                       for name, runs in {**size, **length}.items()},
            "ratio_big_over_small": _ratio(size["big"], size["small"]),
            "ratio_long_over_short": _ratio(length["long"], length["short"]),
            "memory_per_customer": memory,
        }
    finally:
        server.stop()


def _ratio(a: list[dict[str, float]], b: list[dict[str, float]]) -> dict[str, Any]:
    """Per-round ratios a / b (side by side) of each kept figure, and their medians."""
    out: dict[str, Any] = {}
    for key in KEPT:
        rounds = [x[key] / y[key] for x, y in zip(a, b, strict=True) if y[key]]
        out[key] = {"median": median(rounds), "per_round": rounds}
    return out


def _log(message: str) -> None:
    print(f"[flatness {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.flatness", description=__doc__)
    p.add_argument("--small", type=int, default=1000, help="customers in the small store")
    p.add_argument("--big", type=int, default=1_000_000, help="customers in the big store")
    p.add_argument("--short-history", type=int, default=10)
    p.add_argument("--long-history", type=int, default=2000)
    p.add_argument("--customers", type=int, default=1000, help="customers per measured run")
    p.add_argument("--history-customers", type=int, default=400,
                   help="customers per measured run of the history comparison (each of "
                        "the long side holds --long-history events: 400 x 2,000 is ~200 MB)")
    load_arguments(p, rounds=5, output=HERE / "results" / "flatness.json")
    return p.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(run_side_bench(main, parse(sys.argv[1:])), indent=2))
