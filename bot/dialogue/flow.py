"""A flow: named async steps, the triggers that start it, and the types of its slots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

from bot.dialogue.parsing import parse_date, parse_number
from bot.dialogue.slots import SlotTypes, ValueKind
from bot.dialogue.steps import StepFn
from bot.dialogue.texts import Texts
from bot.dialogue.triggers import Trigger, payload
from bot.errors import FlowError


class Flow:
    """A dialogue flow written in Python.

    >>> returns = Flow("returns", triggers=command("return"), slots={"order": OrderNumber})
    >>> @returns.step
    ... async def ask_order(turn: Turn) -> StepResult:
    ...     return Ask("order", turn.t("returns.ask_order"), then=check_order)

    The flow starts at its first registered step, or at the step named by ``start``.
    ``slots`` maps slot names to the type their answers must validate against (any type
    pydantic accepts, e.g. ``Annotated[str, StringConstraints(pattern=...)]``), or is a
    pydantic model whose fields are the slots (``slots=BookingSlots``; a step reads them
    with ``turn.slots_as(BookingSlots)``); slots not declared take the text as it came.
    Answers for ``date`` and number slots are parsed in the customer's locale first
    ("mañana", "next Friday", "two"): ``bot/dialogue/parsing``.

    ``description`` (per locale) says what the flow is for and ``examples`` (per locale)
    how customers ask for it in their own words: the understanding providers
    (``bot/understanding``) start the flow from a sentence like them, with the slots the
    sentence gives (a slot type's ``Field(description=...)`` tells what a slot is).
    ``export_slots`` names the slots that leave with the ``flow.completed`` event webhook
    (docs/events.md); the others stay inside.

    ``menu`` puts the flow on a menu that lists them (``turn.menu_choices()``): ``True``
    (titled by ``title``, else the flow's name), a text key (``"menu.book"``), or titles
    by locale (``{"en": "Book a table"}``). Such a flow starts from its button's payload:
    its own ``payload("menu:...")`` trigger, else ``menu:<name>``.
    """

    def __init__(
        self,
        name: str,
        *,
        triggers: Iterable[Trigger] = (),
        slots: Mapping[str, Any] | type[BaseModel] | None = None,
        texts: Texts | None = None,
        title: Mapping[str, str] | None = None,
        start: str | None = None,
        description: Mapping[str, str] | None = None,
        examples: Mapping[str, Sequence[str]] | None = None,
        step_titles: Mapping[str, str] | None = None,
        export_slots: Iterable[str] = (),
        menu: bool | str | Mapping[str, str] = False,
    ) -> None:
        if not name or ":" in name:
            raise FlowError(f"flow name {name!r} must be non-empty and contain no ':'")
        self.name = name
        self.triggers = list(triggers)
        self.menu: bool | str | Mapping[str, str] = menu
        #: The payload of this flow's menu button: its own ``menu:`` payload trigger if it
        #: has one, else ``menu:<name>``, added as a trigger.
        self.menu_payload = next((t.value for t in self.triggers if t.kind == "payload"
                                  and t.value.startswith("menu:")), f"menu:{name}")
        if menu and not any(t.kind == "payload" and t.value == self.menu_payload
                            for t in self.triggers):
            self.triggers.extend(payload(self.menu_payload))
        self.texts = texts
        self.title = dict(title or {})
        self.description = dict(description or {})
        self.examples = {locale: list(said) for locale, said in (examples or {}).items()}
        #: What the analytics funnel calls each step ("ask_ticket": "Ticket number");
        #: a step without one is shown by its name, made readable.
        self.step_titles = dict(step_titles or {})
        self.steps: dict[str, StepFn] = {}
        self.start: str | None = start
        #: The declared slots' types: validation, and JSON in the session ↔ Python values.
        self.slot_types = SlotTypes(slots)
        #: The slots a ``flow.completed`` event webhook carries.
        self.export_slots = tuple(export_slots)

    @property
    def declared_slots(self) -> set[str]:
        """The slots given a type in ``slots=`` (a mapping's keys or a model's fields)."""
        return self.slot_types.names

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

    def validate(self, slot: str, value: Any, *, locale: str | None = None,
                 today: date | None = None) -> Any:
        """Validate an answer for ``slot``; raises pydantic's ValidationError. A text
        answer to a ``date`` or number slot is first read in ``locale`` ("mañana", "dos";
        relative to ``today``, by default the server's date). Returns JSON-compatible data
        so the session stays plain JSON."""
        types = self.slot_types
        if isinstance(value, str):
            kind = types.kinds.get(slot)  # None: undeclared, or not a date nor a number
            if kind is not None:
                value = _read_text(value, kind, locale, today)
        return types.check(slot, value)

    def slot_schemas(self) -> dict[str, dict[str, Any]]:
        """The JSON schema of each declared slot's type (what a provider may fill)."""
        return {slot: self.slot_types.schema(slot) for slot in self.slot_types.names}

    def check(self) -> None:
        if self.first_step not in self.steps:
            raise FlowError(f"flow {self.name!r} starts at {self.start!r}, which is not a step")


def _read_text(text: str, kind: ValueKind, locale: str | None, today: date | None) -> object:
    """A text answer as the date or number it says, or the text itself for pydantic to
    judge (and refuse). ``today`` (None: the server's date) is read only for a date."""
    if kind == "date":
        return parse_date(text, locale, today=today or date.today()) or text
    if text.isdigit():
        return text  # pydantic reads plain digits itself: the common answer pays nothing
    number = parse_number(text, locale)
    if number is None:
        return text
    return int(number) if kind == "integer" and number == number.to_integral_value() else number
