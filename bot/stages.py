"""A turn is a chain of stages, each with one shape: given the claim and the next stage,
return the turn's outcome.

    identity notice → consent → handoff (operator actions, a person has it, "wants a
    person") → your stages → linking → dialogue

A stage may answer itself (return a ``TurnResult`` without calling ``next``), pass the
claim on (``return await next(claim)``), or look at and change what the rest of the chain
answered. The chain is built once, at composition time (``Runtime``), from the configured
features, like aiogram's middlewares chained by ``functools.partial``: a new capability is
a new link in the chain, not a new branch in the core.

Free text nothing else handles is understood inside the dialogue link, consulted from the
engine's routing (``bot/dialogue/understood.py``, docs/understanding.md): a stage before
it could not tell whether a trigger or the pending question takes a message without
routing and validating every message twice.

A stage of your own comes from config.yaml, as a ``module:factory`` path::

    pipeline:
      stages: ["mybot.filters:profanity"]

or from code, ``Runtime(settings, stages=[...])``. The factory is called with a
``StageContext`` and returns the stage (any callable of this shape, often an object with
``async def __call__(self, claim, next)``). Stages from config.yaml come first, then those
from code, in the order listed; all of them run after the handoff stage (so they never
see an operator's action, nor a message while a person has the conversation) and before
linking and the dialogue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, NamedTuple, Protocol

from bot.dialogue import TurnResult
from bot.model import Event, Standing
from bot.store.merges import Greeting
from bot.store.results import Claim, InboxItem

if TYPE_CHECKING:
    from bot.config.settings import Settings
    from bot.dialogue import DialogueEngine
    from bot.store.store import Store

@dataclass(frozen=True, slots=True)
class MergeRequest:
    """An outcome: the customer confirmed a link, so this customer joins ``target``. The
    pipeline commits it through the store (``Store.merge``), with ``events`` added to the
    joined history and ``greet``'s replies sent on this channel."""

    target: str
    method: str
    channel: str | None
    events: Sequence[Event] = ()
    greet: Greeting | None = field(default=None, compare=False)


#: What a turn comes to: a result to commit, or a merge to commit.
TurnOutcome = TurnResult | MergeRequest

#: The rest of the chain, as a stage sees it.
Next = Callable[[Claim], Awaitable[TurnOutcome]]


class TurnStage(Protocol):
    """One link of the turn chain."""

    def __call__(self, claim: Claim, next: Next, /) -> Awaitable[TurnOutcome]:
        ...


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage factory gets to build its stage with."""

    settings: Settings
    engine: DialogueEngine
    store: Store


#: A ``module:factory`` path in ``pipeline.stages`` names one of these.
StageFactory = Callable[[StageContext], TurnStage]


def chain(stages: Sequence[TurnStage], last: Next) -> Next:
    """The stages in order, each given the rest as its ``next``; ``last`` ends the chain.
    With no stages the chain is ``last`` itself (no call in between on the hot path)."""
    handler = last
    for stage in reversed(stages):
        handler = partial(_link, stage, handler)
    return handler


def _link(stage: TurnStage, following: Next, claim: Claim) -> Awaitable[TurnOutcome]:
    """One stage with the rest of the chain bound (a plain call: no coroutine of its own)."""
    return stage(claim, following)


class CommittedTurn(NamedTuple):
    """A turn as committed, for its observers: who, what they had before (mode, operator),
    the result, and the inbox item (a message or an operator's action) it answered. A
    tuple: built on every turn, where a frozen dataclass costs several times as much."""

    customer_id: str
    before: Standing
    result: TurnResult
    item: InboxItem
    #: The session's version once committed (the search index follows it turn by turn).
    version: int = 0


class TurnObserver(Protocol):
    """Told about each committed turn. Return None when buffering is all it does (the hot
    path pays no coroutine: analytics); or an awaitable, which the pipeline awaits before
    the customer's next turn (shared views kept up to date: the handoff queue). Either
    way a failure is the observer's to log: the turn is committed, never undone."""

    def turn_committed(self, turn: CommittedTurn) -> Awaitable[None] | None:
        ...
