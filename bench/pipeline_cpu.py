"""The client's CPU per message through the whole pipeline, deterministic: messages
through ``bench.ours`` (ingest → claim → turn → commit → dispatch → acknowledgement)
against a Valkey server of its own, which runs outside what is counted.

    .venv/bin/python -m bench.pipeline_cpu --instructions [--against REV] [CUSTOMERS]
    .venv/bin/python -m bench.pipeline_cpu --calls [--against REV] [CUSTOMERS]
    .venv/bin/python -m bench.pipeline_cpu --stages [--against REV] [CUSTOMERS]

``--instructions``: machine instructions of the client process under valgrind
(``cachegrind --cache-sim=no``, PYTHONHASHSEED=0). Each run warms up on 100 customers,
freezes the garbage collector's generations (what the warm-up made is never scanned
again), then sends CUSTOMERS customers' messages; a run that sends none is subtracted,
and the difference is divided by the messages: start-up, imports and warm-up cancel out.
``--calls``: Python calls and all calls (C too) per message, counted with
``sys.setprofile`` over the same run; ``--stages``: those Python calls by module and
function, the top 30 (the harness's own, ``bench/``, included: they are the same on both
sides). With ``--against REV`` each runs in this tree and in commit REV's (``bot``,
``bench``, ``connectors``, ``tests`` exported), this file in both. ``--events`` turns the
event webhooks on (``OursBench(events=True)``, the receiver in a process of its own and
not counted): a run waits until its events are delivered, so the deliverer's work is in
the count. Under valgrind the process runs ~50x slower than the receiver and the
server, so the deliverer finds longer runs waiting than at full speed: a bound for the
events-on instructions, not the same run.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.cpu_counts import instructions, trees
from bench.ours import OursBench
from bench.server import BenchServer
from bot import loop

FOLDERS = ("bot", "bench", "connectors", "tests")
INFLIGHT = 50


async def _warmed(url: str, events: bool) -> OursBench:
    bench = OursBench(url, events=events)
    await bench.run(range(100), INFLIGHT)
    gc.collect()
    gc.freeze()
    return bench


async def _replay(url: str, customers: int, events: bool) -> int:
    """Warm, then ``customers`` customers through the pipeline: the messages sent."""
    bench = await _warmed(url, events)
    result = await bench.run(range(1000, 1000 + customers), INFLIGHT)
    await bench.close()
    return result.messages


async def _profiled(url: str, customers: int, events: bool) -> dict[str, Any]:
    """Calls per message, all of them and Python's by ``module:function``."""
    bench = await _warmed(url, events)
    python: Counter[str] = Counter()
    c_calls = 0

    def count(frame: Any, event: str, arg: object) -> None:
        nonlocal c_calls
        if event == "call":
            code = frame.f_code
            python[f"{_module(code.co_filename)}:{code.co_qualname}"] += 1
        elif event == "c_call":
            c_calls += 1

    sys.setprofile(count)
    try:
        result = await bench.run(range(1000, 1000 + customers), INFLIGHT)
    finally:
        sys.setprofile(None)
    await bench.close()
    messages = result.messages
    calls = sum(python.values())
    return {"python": calls / messages, "all": (calls + c_calls) / messages,
            "top": [(name, n / messages) for name, n in python.most_common(30)]}


def _module(filename: str) -> str:
    """A short name for a code's file: the package path inside the tree or site-packages."""
    parts = Path(filename).parts
    for anchor in ("site-packages", "lib"):
        if anchor in parts:
            return "/".join(parts[len(parts) - parts[::-1].index(anchor):])
    for root in FOLDERS:
        if root in parts:
            return "/".join(parts[parts.index(root):])
    return filename


def _here(mode: str, url: str, customers: int, events: bool) -> list[str]:
    """A child's arguments: this file run in ``mode`` (``replay`` or ``calls``)."""
    return [__file__, f"--{mode}-here", url, str(customers), *(["--events"] * events)]


def _child(tree: str, url: str, mode: str, customers: int, events: bool) -> str:
    return subprocess.run(
        [sys.executable, *_here(mode, url, customers, events)], cwd=tree,
        check=True, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": tree, "PYTHONHASHSEED": "0"}).stdout


def _per_message(tree: str, url: str, customers: int, events: bool) -> float:
    # Once uncounted first: the server then holds this tree's scripts, which the first run
    # would load during its warm-up (the tree's first run is the one subtracted).
    _child(tree, url, "replay", 0, events)
    counted, messages = {}, {}
    for n in (0, customers):
        counted[n], out = instructions(tree, _here("replay", url, n, events))
        messages[n] = int(out.split()[-1])
    return (counted[customers] - counted[0]) / messages[customers]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("customers", nargs="?", type=int, default=300)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--calls", action="store_true")
    parser.add_argument("--stages", action="store_true")
    parser.add_argument("--against", metavar="REV")
    parser.add_argument("--events", action="store_true", help="event webhooks on")
    for hidden in ("--replay-here", "--calls-here"):  # a child's: URL CUSTOMERS
        parser.add_argument(hidden, metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay_here:
        print(f"messages {loop.run(_replay(args.replay_here, args.customers, args.events))}")
        return
    if args.calls_here:
        found = loop.run(_profiled(args.calls_here, args.customers, args.events))
        print(f"{found['python']:.1f} Python calls, {found['all']:.1f} calls in all "
              "per message")
        for name, n in found["top"]:
            print(f"  {n:7.2f}  {name}")
        return
    if not (args.instructions or args.calls or args.stages):
        parser.error("say what to count: --instructions, --calls or --stages")
    server = BenchServer()
    server.start()
    try:
        with tempfile.TemporaryDirectory() as other:
            for side, tree in trees(args.against, other, FOLDERS).items():
                if args.instructions:
                    each = _per_message(tree, server.url(0), args.customers, args.events)
                    print(f"{side:>12}: {each:,.0f} client instructions per message")
                if args.calls or args.stages:
                    out = _child(tree, server.url(0), "calls", args.customers,
                                 args.events).splitlines()
                    print(f"{side:>12}: {out[0]}")
                    if args.stages:
                        print("\n".join(out[1:]))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
