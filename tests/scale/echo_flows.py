"""A flow for load and fault tests: every message gets exactly one reply naming it."""

from bot.dialogue import End, Flow, StepResult, Turn

echo = Flow("echo")


@echo.step
async def answer(turn: Turn) -> StepResult:
    turn.say(f"echo:{turn.inbound.text}")
    return End()


FLOWS = [echo]
