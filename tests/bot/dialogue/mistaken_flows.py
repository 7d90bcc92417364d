"""Flows with every mistake ``omnicanal check`` must catch, one per step (line numbers are
read by tests/bot/dialogue/test_checks.py: keep each mistake on its own line)."""

from bot.dialogue import Ask, Call, Choice, End, Flow, Goto, Start, StepResult, Texts, Turn

booking = Flow("booking", slots={"size": int}, texts=Texts({"en": {"book.size": "How many?"}}))
other = Flow("other")


@booking.step  # type: ignore[arg-type]
def plain(turn: Turn) -> StepResult:
    return Goto(ask)


@booking.step
async def ask(turn: Turn) -> StepResult:
    return Ask("szie", turn.t("book.size"), then=when)


@booking.step
async def when(turn: Turn) -> StepResult:
    return Ask("when", turn.t("book.whenn"), then="confirm",
               choices=[Choice("09:00")])  # type: ignore[call-arg]


async def forgotten(turn: Turn) -> StepResult:
    return End()


@booking.step
async def more(turn: Turn) -> StepResult:
    if turn.slots.get("a"):
        return Goto(forgotten)
    if turn.slots.get("b"):
        return Goto(elsewhere)
    if turn.slots.get("c"):
        return Call("contacts", then=ask)
    return Start("menuu")


@other.step
async def elsewhere(turn: Turn) -> StepResult:
    return Ask("x", "Which?", then=ask, choices=["a", "b"])  # type: ignore[list-item]


FLOWS = [booking, other]
