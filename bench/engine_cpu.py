"""The dialogue engine alone, in memory (no store, no event loop work besides its own):
``engine.handle`` over the bench's form, microseconds of this thread's CPU per message,
the minimum of 7 runs (the least disturbed by a busy machine). For A/B of the engine's
per-turn work, run it in each tree (``git archive REV | tar -x -C DIR``) alternately.

    .venv/bin/python -m bench.engine_cpu [CUSTOMERS]
    .venv/bin/python -m bench.engine_cpu --instructions [--against REV] [CUSTOMERS]
    .venv/bin/python -m bench.engine_cpu --calls [--against REV]

``--instructions`` counts the machine instructions of ``engine.handle`` per message under
valgrind (``cachegrind``, no cache simulation; PYTHONHASHSEED=0): a run that builds the
messages and handles them less one that only builds them, so the figure is the engine's
alone and the machine's load does not change it (runs agree within ~0.5%). ``--calls``
counts the Python calls (and C calls) per message inside ``engine.handle`` with
``sys.setprofile``. Both hand the engine the session's JSON as the pipeline does (the
store's, which it reads only when a step fails); the timing above lets it dump its own,
as it always did. With ``--against REV`` each runs for this tree and for commit REV (its
``bot`` and ``bench`` exported to a temporary folder), this file in both.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from bench.cpu_counts import instructions, trees
from bench.form import form, script
from bot import loop
from bot.dialogue import DialogueEngine
from bot.messages import Identity, Inbound
from bot.model import Profile, Session

#: The JSON the pipeline hands the engine (the session as loaded); the engine reads it
#: only to restore the session when a step raises, which the form's never do.
SAVED = Session().model_dump_json()


def _conversations(customers: int, tag: str) -> list[list[Inbound]]:
    return [[Inbound(identity=Identity(channel="bench", user_id=f"u{i}"),
                     message_id=f"{tag}-{i}-{n}", text=text)
             for n, text in enumerate(script(i))]
            for i in range(customers)]


async def _handle_all(engine: DialogueEngine, conversations: list[list[Inbound]],
                      saved: str | None) -> None:
    for conversation in conversations:
        session, profile = Session(), Profile()
        for inbound in conversation:
            result = await engine.handle(customer_id="c", session=session,
                                         profile=profile, inbound=inbound, saved=saved)
            session = result.session


async def _measure(customers: int) -> list[float]:
    engine = DialogueEngine([form], default_flow="form")
    runs = []
    for run in range(7):
        conversations = _conversations(customers, str(run))
        started = time.thread_time()
        await _handle_all(engine, conversations, None)
        messages = sum(map(len, conversations))
        runs.append((time.thread_time() - started) / messages * 1e6)
    return runs


async def _replay(customers: int, handle: bool) -> None:
    """Warmed, then ``customers`` conversations built and (when ``handle``) handled:
    what ``--instructions`` counts."""
    engine = DialogueEngine([form], default_flow="form")
    await _handle_all(engine, _conversations(200, "warm"), SAVED)
    conversations = _conversations(customers, "counted")
    if handle:
        await _handle_all(engine, conversations, SAVED)


async def _calls(customers: int) -> tuple[float, float]:
    engine = DialogueEngine([form], default_flow="form")
    await _handle_all(engine, _conversations(200, "warm"), SAVED)
    conversations = _conversations(customers, "counted")
    counted = {"call": 0, "c_call": 0}

    def count(frame: object, event: str, arg: object) -> None:
        if event in counted:
            counted[event] += 1

    sys.setprofile(count)
    try:
        await _handle_all(engine, conversations, SAVED)
    finally:
        sys.setprofile(None)
    messages = customers * len(script(0))
    return counted["call"] / messages, (counted["call"] + counted["c_call"]) / messages


def _instructions(tree: str, customers: int) -> float:
    counted = {handle: instructions(tree, [__file__, "--replay", "1" if handle else "0",
                                           str(customers)])[0]
               for handle in (False, True)}
    return (counted[True] - counted[False]) / (customers * len(script(0)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("customers", nargs="?", type=int)
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--calls", action="store_true")
    parser.add_argument("--against", metavar="REV")
    parser.add_argument("--replay", choices=("0", "1"), help=argparse.SUPPRESS)
    parser.add_argument("--calls-here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay is not None:
        loop.run(_replay(args.customers or 500, args.replay == "1"))
    elif args.calls_here:
        python, total = loop.run(_calls(args.customers or 500))
        print(f"{python:.1f} Python calls, {total:.1f} calls in all per message")
    elif args.instructions or args.calls:
        with tempfile.TemporaryDirectory() as other:
            for side, tree in trees(args.against, other, ("bot", "bench")).items():
                if args.instructions:
                    found = _instructions(tree, args.customers or 500)
                    print(f"{side:>12}: engine.handle {found:,.0f} instructions per message")
                else:
                    out = subprocess.run(
                        [sys.executable, __file__, "--calls-here"], cwd=tree, check=True,
                        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": tree})
                    print(f"{side:>12}: engine.handle {out.stdout.strip()}")
    else:
        runs = loop.run(_measure(args.customers or 2000))
        print(f"engine.handle: {min(runs):.1f} us per message, min of 7 "
              f"({', '.join(f'{r:.0f}' for r in runs)})")


if __name__ == "__main__":
    main()
