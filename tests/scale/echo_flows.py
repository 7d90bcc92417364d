"""A flow for load and fault tests: every message gets exactly one reply naming it."""

import asyncio
import os
from pathlib import Path

from bot.dialogue import End, Flow, StepResult, Turn, command

echo = Flow("echo")


@echo.step
async def answer(turn: Turn) -> StepResult:
    turn.say(f"echo:{turn.inbound.text}")
    return End()


FLOWS = [echo]


slow = Flow("slow", triggers=command("slow"))


@slow.step
async def take_long(turn: Turn) -> StepResult:
    """A turn that waits on "an API call" long enough to be paused in the middle."""
    marker = os.environ.get("OMNICANAL_TEST_MARKER")
    if marker:
        await asyncio.to_thread(Path(marker).write_text, "in the slow step")
    await asyncio.sleep(float(os.environ.get("OMNICANAL_TEST_SLOW_SECONDS", "2")))
    turn.say(f"slow done by {os.getpid()}")
    return End()


FLOWS.append(slow)
