"""The dialogue engine alone, in memory (no store, no event loop work besides its own):
``engine.handle`` over the bench's form, microseconds of this thread's CPU per message,
the minimum of 7 runs (the least disturbed by a busy machine). For A/B of the engine's
per-turn work, run it in each tree (``git archive REV | tar -x -C DIR``) alternately.

    .venv/bin/python -m bench.engine_cpu [CUSTOMERS]
"""

from __future__ import annotations

import sys
import time

from bench.form import form, script
from bot import loop
from bot.dialogue import DialogueEngine
from bot.messages import Identity, Inbound
from bot.model import Profile, Session


async def _measure(customers: int) -> list[float]:
    engine = DialogueEngine([form], default_flow="form")
    runs = []
    for run in range(7):
        conversations = [
            [Inbound(identity=Identity(channel="bench", user_id=f"u{i}"),
                     message_id=f"{run}-{i}-{n}", text=text)
             for n, text in enumerate(script(i))]
            for i in range(customers)]
        started = time.thread_time()
        for conversation in conversations:
            session, profile = Session(), Profile()
            for inbound in conversation:
                result = await engine.handle(customer_id="c", session=session,
                                             profile=profile, inbound=inbound)
                session = result.session
        messages = sum(map(len, conversations))
        runs.append((time.thread_time() - started) / messages * 1e6)
    return runs


def main(customers: int = 2000) -> None:
    runs = loop.run(_measure(customers))
    print(f"engine.handle: {min(runs):.1f} us per message, min of 7 "
          f"({', '.join(f'{r:.0f}' for r in runs)})")


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:2]])
