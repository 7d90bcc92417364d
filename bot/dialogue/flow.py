"""A flow: named async steps, the triggers that start it, and the types of its slots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter

from bot.dialogue.steps import StepFn
from bot.dialogue.texts import Texts
from bot.dialogue.triggers import Trigger
from bot.errors import FlowError


class Flow:
    """A dialogue flow written in Python.

    >>> returns = Flow("returns", triggers=command("return"), slots={"order": OrderNumber})
    >>> @returns.step
    ... async def ask_order(turn: Turn) -> StepResult:
    ...     return Ask("order", turn.t("returns.ask_order"), then=check_order)

    The flow starts at its first registered step, or at the step named by ``start``.
    ``slots`` maps slot names to the type their answers must validate against (any type
    pydantic accepts, e.g. ``Annotated[str, StringConstraints(pattern=...)]``); slots not
    listed take the text as it came.

    ``description`` (per locale) says what the flow is for and ``examples`` (per locale)
    how customers ask for it in their own words: the understanding providers
    (``bot/understanding``) start the flow from a sentence like them, with the slots the
    sentence gives (a slot type's ``Field(description=...)`` tells what a slot is).
    """

    def __init__(
        self,
        name: str,
        *,
        triggers: Iterable[Trigger] = (),
        slots: Mapping[str, Any] | None = None,
        texts: Texts | None = None,
        title: Mapping[str, str] | None = None,
        start: str | None = None,
        description: Mapping[str, str] | None = None,
        examples: Mapping[str, Sequence[str]] | None = None,
        step_titles: Mapping[str, str] | None = None,
    ) -> None:
        if not name or ":" in name:
            raise FlowError(f"flow name {name!r} must be non-empty and contain no ':'")
        self.name = name
        self.triggers = list(triggers)
        self.texts = texts
        self.title = dict(title or {})
        self.description = dict(description or {})
        self.examples = {locale: list(said) for locale, said in (examples or {}).items()}
        #: What the analytics funnel calls each step ("ask_ticket": "Ticket number");
        #: a step without one is shown by its name, made readable.
        self.step_titles = dict(step_titles or {})
        self.steps: dict[str, StepFn] = {}
        self.start: str | None = start
        self._adapters: dict[str, TypeAdapter[Any]] = {
            slot: TypeAdapter(kind) for slot, kind in (slots or {}).items()
        }

    def step_title(self, step: str) -> str:
        return self.step_titles.get(step) or step.replace("_", " ").capitalize()

    def step(self, fn: StepFn) -> StepFn:
        """Register an async step: ``@flow.step``."""
        name = fn.__name__
        if name in self.steps:
            raise FlowError(f"flow {self.name!r} already has a step named {name!r}")
        self.steps[name] = fn
        if self.start is None:
            self.start = name
        return fn

    @property
    def first_step(self) -> str:
        if self.start is None:
            raise FlowError(f"flow {self.name!r} has no steps; add one with @flow.step")
        return self.start

    def get_step(self, name: str) -> StepFn:
        try:
            return self.steps[name]
        except KeyError:
            raise FlowError(f"flow {self.name!r} has no step {name!r}") from None

    def validate(self, slot: str, value: Any) -> Any:
        """Validate an answer for ``slot``; raises pydantic's ValidationError. Returns
        JSON-compatible data so the session stays plain JSON."""
        adapter = self._adapters.get(slot)
        if adapter is None:
            return value
        return adapter.dump_python(adapter.validate_python(value), mode="json")

    def slot_schemas(self) -> dict[str, dict[str, Any]]:
        """The JSON schema of each declared slot's type (what a provider may fill)."""
        return {slot: adapter.json_schema() for slot, adapter in self._adapters.items()}

    def check(self) -> None:
        if self.first_step not in self.steps:
            raise FlowError(f"flow {self.name!r} starts at {self.start!r}, which is not a step")
