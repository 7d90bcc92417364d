"""The satisfaction question asked after an operator resolves a conversation."""

from __future__ import annotations

from bot.analytics.recorder import SATISFACTION_FLOW
from bot.dialogue import Ask, Choice, End, Flow, StepResult, Turn

satisfaction = Flow(SATISFACTION_FLOW, slots={"score": int})


@satisfaction.step
async def ask_score(turn: Turn) -> StepResult:
    choices = [Choice(payload=str(n), title="★" * n) for n in range(5, 0, -1)]
    return Ask("score", turn.t("csat.ask"), choices=choices, then=thank)


@satisfaction.step
async def thank(turn: Turn) -> StepResult:
    turn.say(turn.t("csat.thanks"))
    return End(result=turn.slots["score"])
