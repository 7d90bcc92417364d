"""What a step returns: ask and wait, go to another step, call a sub-flow, end, hand off.

A step is an ``async def step(turn: Turn) -> StepResult`` registered with ``@flow.step``.
Steps are referred to by function or by name; the session stores only names, so any
process can continue a conversation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.messages import Choice

if TYPE_CHECKING:
    from bot.dialogue.turn import Turn

StepFn = Callable[["Turn"], Awaitable["StepResult"]]
StepRef = str | StepFn


def step_name(ref: StepRef) -> str:
    return ref if isinstance(ref, str) else ref.__name__


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask a question and wait. The answer, validated against the flow's declared type for
    ``slot``, is stored in ``turn.slots[slot]`` and then step ``then`` runs.

    With ``choices`` the customer picks one (a button, a typed number or title) and the
    slot gets the choice's payload. ``kind="phone"`` offers a share-my-number button where
    the channel has one. ``error`` replaces the validation message on a wrong answer.
    ``again`` is the shorter line for asking once more after the bot answered something in
    between (a knowledge answer): "Anything else?" rather than the greeting a second time.
    """

    slot: str
    prompt: str
    then: StepRef
    choices: Sequence[Choice] = ()
    kind: Literal["text", "phone"] = "text"
    error: str | None = None
    again: str | None = None


@dataclass(frozen=True, slots=True)
class Goto:
    """Continue at another step of the same flow, in the same turn."""

    step: StepRef


@dataclass(frozen=True, slots=True)
class Call:
    """Start flow ``flow`` on top of this one; when it ends, its result is stored in
    ``turn.slots[flow]`` and step ``then`` of this flow runs."""

    flow: str
    then: StepRef


@dataclass(frozen=True, slots=True)
class Start:
    """End this flow and start flow ``flow`` in its place (what a menu does)."""

    flow: str


@dataclass(frozen=True, slots=True)
class End:
    """End this flow, handing ``result`` to the calling flow if there is one.

    ``outcome`` says how it ended, for the analytics funnel: a plain ``End()`` is a
    success ("completed"); ``End(outcome="refused")`` ended by the flow's own decision,
    not a success (a return refused at the order check), unless ``success=True`` says it
    is one (``End(outcome="approved", success=True)``)."""

    result: Any = None
    outcome: str | None = None
    success: bool | None = None

    @property
    def succeeded(self) -> bool:
        return self.success if self.success is not None else self.outcome is None


@dataclass(frozen=True, slots=True)
class Handoff:
    """Ask for a human operator, with a reason the operator sees."""

    reason: str


StepResult = Ask | Goto | Call | Start | End | Handoff | None
