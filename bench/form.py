"""The 3-step form both frameworks run: /start → name → age (an int) → city → summary."""

from __future__ import annotations

from bot.dialogue import Ask, End, Flow, StepResult, Turn, command

form = Flow("form", triggers=command("start"), slots={"name": str, "age": int, "city": str})


@form.step
async def ask_name(turn: Turn) -> StepResult:
    return Ask("name", "What's your name?", then=ask_age)


@form.step
async def ask_age(turn: Turn) -> StepResult:
    return Ask("age", "How old are you?", then=ask_city, error="Please type a number.")


@form.step
async def ask_city(turn: Turn) -> StepResult:
    return Ask("city", "Which city do you live in?", then=summary)


@form.step
async def summary(turn: Turn) -> StepResult:
    s = turn.slots
    turn.say(f"Thanks {s['name']}, {s['age']}, from {s['city']}.")
    return End()


def script(index: int) -> list[str]:
    """The four messages customer ``index`` sends, in order."""
    return ["/start", f"Name{index}", str(18 + index % 60), f"City{index % 97}"]


SUMMARY_PREFIX = "Thanks "
FLOWS = [form]
