"""The understanding contract: what a provider is asked about a customer's free text, and
the commands it may answer with.

A provider never writes the reply: it returns *commands* (start a flow, fill slots, answer
from the knowledge base, hand off, cancel, switch language, or nothing) which the core
validates and applies deterministically. Triggers keep priority; a provider is consulted
only when no trigger matched, or when the answer to a pending question did not validate.

Everything here is plain frozen data, so a provider of one's own (any object with
``name`` and ``async def understand(request)``) needs nothing but this module. The
classes a sentence builds (the request, the answer, its command, a passage) are made with
``frozen.quick_init``: the same frozen dataclasses, built in about half the time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.understanding.frozen import quick_init


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """A slot a provider may fill: its name, what it is for (per locale), and the JSON
    schema of its type (from pydantic), so a model can be told what a valid value is."""

    name: str
    description: Mapping[str, str] = field(default_factory=dict)
    schema: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FlowSpec:
    """A flow as a provider sees it: what it is for and how customers ask for it."""

    name: str
    description: Mapping[str, str] = field(default_factory=dict)
    #: Example utterances per locale.
    examples: Mapping[str, Sequence[str]] = field(default_factory=dict)
    slots: Sequence[SlotSpec] = ()
    #: Whether phone numbers and e-mails may reach a remote model unmasked for this flow.
    allows_pii: bool = False


@quick_init
@dataclass(frozen=True, slots=True)
class Passage:
    """A knowledge entry found for the text, best first, with the retriever's score."""

    id: str
    title: str
    answer: str
    locale: str
    score: float
    source: str = ""


@quick_init
@dataclass(frozen=True, slots=True)
class Request:
    """What a provider is asked about one message."""

    text: str
    #: The customer's current locale, or None when nothing tells it yet.
    locale: str | None
    #: The configured locales, the only ones a provider may recognise or switch to.
    locales: Sequence[str]
    flows: Sequence[FlowSpec]
    #: The flow the customer is in and the slot it is waiting for, if any.
    current_flow: str | None = None
    pending_slot: str | None = None
    #: The knowledge entries retrieved for ``text``, best first (may be empty).
    passages: Sequence[Passage] = ()
    #: The last few turns, oldest first, as (``"customer"`` | ``"bot"``, text).
    history: Sequence[tuple[str, str]] = ()


@quick_init
@dataclass(frozen=True, slots=True)
class StartFlow:
    flow: str
    #: Slots of that flow already given in the sentence (validated before use).
    slots: Mapping[str, Any] = field(default_factory=dict)


@quick_init
@dataclass(frozen=True, slots=True)
class SetSlots:
    """Fill slots of the current flow (the pending one among them answers the question)."""

    slots: Mapping[str, Any]


@quick_init
@dataclass(frozen=True, slots=True)
class AnswerFromKnowledge:
    passage_id: str
    #: A generated answer (LLM provider, from the passages only); None: the stored answer.
    text: str | None = None
    #: The ids of the passages the generated text cites.
    cites: Sequence[str] = ()


@quick_init
@dataclass(frozen=True, slots=True)
class HandOff:
    reason: str = "customer asked for a person"


@dataclass(frozen=True, slots=True)
class Cancel:
    pass


@quick_init
@dataclass(frozen=True, slots=True)
class SwitchLanguage:
    locale: str


Command = StartFlow | SetSlots | AnswerFromKnowledge | HandOff | Cancel | SwitchLanguage


@quick_init
@dataclass(frozen=True, slots=True)
class Understanding:
    """A provider's answer: the commands (none: not understood), how sure it is (0..1),
    the language it recognised in the text (None: could not tell), who answered, and the
    tokens the call used (0 for the built-in provider)."""

    commands: Sequence[Command] = ()
    confidence: float = 0.0
    locale: str | None = None
    provider: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Provider(Protocol):
    """Anything that understands a message. ``understand`` must not raise for a message
    it does not understand (return an empty ``Understanding``); it may raise for a
    failure of its own (a timeout, a server error), which the caller counts and falls
    back from."""

    name: str

    async def understand(self, request: Request) -> Understanding:
        ...


class Knowledge(Protocol):
    """The knowledge base as the understanding stage reads it (an in-memory index)."""

    def search(self, text: str, locale: str | None, *, limit: int = 3,
               above: float = 0.0, said: Sequence[str] | None = None) -> Sequence[Passage]:
        """The ``limit`` best passages scoring more than ``above``, best first. ``said``:
        the words of ``text`` as ``bot.understanding.text.words`` splits it, when the
        caller has them (a hint: the base may read them instead of splitting again)."""
        ...

    def get(self, passage_id: str) -> Passage | None:
        ...
