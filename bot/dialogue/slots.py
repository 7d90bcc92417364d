"""The types of a flow's slots: validating an answer, and converting between the Python
values a step reads and the JSON the session stores.

A flow declares its slots as a mapping (``slots={"order": OrderNumber, "people": int}``)
or as a pydantic model (``slots=BookingSlots``), each field validating its slot. The
session stays plain JSON in the store (any process continues it, and the store never
pickles code), so values are converted on the way in (``to_json``, after validation) and
on the way out (``from_json``, when a step reads ``turn.slots``): a ``date`` slot is a
``date`` in every step, and JSON in the session.

A model's fields are validated one at a time, with the model's own validator (so its
``Field`` constraints and ``@field_validator`` functions apply) on a partly built instance:
a model whose later fields are not asked yet is not an error. Validators that look at the
whole model (``@model_validator``) do not run, as the model is never complete until the end.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter

#: What an answer's text is parsed as before validation, in the customer's locale.
ValueKind = Literal["date", "integer", "number"]

M = TypeVar("M", bound=BaseModel)


def value_kind(annotation: Any) -> ValueKind | None:
    """The kind of value a type expects, looking through ``Annotated`` and ``Optional``:
    ``date`` (not ``datetime``), ``int`` (not ``bool``), ``float`` or ``Decimal``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return value_kind(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        kinds = {value_kind(arg) for arg in get_args(annotation) if arg is not type(None)}
        return kinds.pop() if len(kinds) == 1 else None
    if not isinstance(annotation, type) or issubclass(annotation, (datetime, bool)):
        return None
    if issubclass(annotation, date):
        return "date"
    if issubclass(annotation, int):
        return "integer"
    if issubclass(annotation, (float, Decimal)):
        return "number"
    return None


class SlotTypes:
    """The declared slots of one flow; undeclared slots keep whatever they were given."""

    def __init__(self, slots: Mapping[str, Any] | type[BaseModel] | None = None) -> None:
        self.model: type[BaseModel] | None = None
        self._adapters: dict[str, TypeAdapter[Any]] = {}
        self._plain: set[str] = set()
        #: Each slot's validation, and its validation with the JSON dump, worked out at
        #: its first answer: a form validates an answer per message, and a sentence that
        #: fills slots one per slot, each through one call instead of a chain of lookups.
        self._validators: dict[str, Callable[[Any], Any]] = {}
        self._checkers: dict[str, Callable[[Any], Any]] = {}
        if isinstance(slots, type) and issubclass(slots, BaseModel):
            self.model = slots
            fields = slots.model_fields
            self.kinds = {name: value_kind(f.annotation) for name, f in fields.items()}
        else:
            declared = dict(slots or {})
            self._adapters = {name: TypeAdapter(kind) for name, kind in declared.items()}
            #: Slots declared as a plain ``str``, ``int`` or ``bool``: their validated
            #: values are JSON as they are (a float may be NaN or infinite: not JSON).
            self._plain = {name for name, kind in declared.items() if kind in (str, int, bool)}
            self.kinds = {name: value_kind(kind) for name, kind in declared.items()}

    @property
    def names(self) -> set[str]:
        return set(self.kinds)

    def declares(self, slot: str) -> bool:
        return slot in self.kinds

    def validate(self, slot: str, value: Any) -> Any:
        """``value`` as the slot's Python type; raises pydantic's ValidationError."""
        validator = self._validators.get(slot)
        if validator is None:
            validator = self._validators[slot] = self._validator(slot)
        return validator(value)

    def check(self, slot: str, value: Any) -> Any:
        """``value`` validated and as the JSON data the session stores (``validate``
        then ``to_json``); raises pydantic's ValidationError."""
        checker = self._checkers.get(slot)
        if checker is None:
            checker = self._checkers[slot] = self._checker(slot)
        return checker(value)

    def _validator(self, slot: str) -> Callable[[Any], Any]:
        if slot not in self.kinds:
            return _same
        if self.model is None:
            adapter = self._adapters[slot]
            # The adapter's own method only passes its defaults on to this one.
            return adapter.validator.validate_python if adapter.pydantic_complete \
                else adapter.validate_python
        model = self.model

        def validate_field(value: Any) -> Any:
            holder = model.model_construct()
            model.__pydantic_validator__.validate_assignment(holder, slot, value)
            return holder.__dict__[slot]
        return validate_field

    def _checker(self, slot: str) -> Callable[[Any], Any]:
        validator = self._validator(slot)
        if slot not in self.kinds or slot in self._plain:
            return validator  # already JSON once validated (a str or int slot, the usual)
        return lambda value: self.to_json(slot, validator(value))

    def to_json(self, slot: str, value: Any) -> Any:
        """A validated value as the JSON data the session stores."""
        if slot not in self.kinds or slot in self._plain:
            return value  # already JSON (a str or int slot, the usual): nothing to dump
        if self.model is None:
            return self._adapters[slot].dump_python(value, mode="json")
        holder = self.model.model_construct(**{slot: value})
        return holder.model_dump(mode="json", include={slot})[slot]

    def from_json(self, slot: str, raw: Any) -> Any:
        """Stored JSON data back as the slot's Python type (a date string → ``date``)."""
        return self.validate(slot, raw) if slot in self.kinds else raw

    def schema(self, slot: str) -> dict[str, Any]:
        """The JSON schema of a declared slot's type (what a language model is told)."""
        if self.model is not None:
            properties = self.model.model_json_schema().get("properties", {})
            return dict(properties.get(slot, {}))
        adapter = self._adapters.get(slot)
        return adapter.json_schema() if adapter is not None else {}

    def as_model(self, model: type[M], raw: Mapping[str, Any]) -> M:
        """The slots filled so far as ``model``: the fields answered, typed, and the
        defaults of the others; a field neither answered nor defaulted is absent."""
        source = self if model is self.model else _types_of(model)
        values = {name: source.from_json(name, raw[name]) for name in model.model_fields
                  if name in raw}
        return model.model_construct(**values)


def _same(value: Any) -> Any:
    return value


@lru_cache(maxsize=256)
def _types_of(model: type[BaseModel]) -> SlotTypes:
    return SlotTypes(model)


class SlotValues(MutableMapping[str, Any]):
    """``turn.slots``: the session's JSON slots, read and written as Python values.

    Reading a declared slot converts its JSON (``from_json``); writing one validates it and
    stores its JSON. Change a declared slot by assigning it again: a list read from it is a
    copy. Undeclared slots are the stored objects themselves, as before.
    """

    def __init__(self, raw: dict[str, Any], types_: SlotTypes) -> None:
        self.raw = raw
        self._types = types_

    def __getitem__(self, slot: str) -> Any:
        return self._types.from_json(slot, self.raw[slot])

    def __setitem__(self, slot: str, value: Any) -> None:
        self.raw[slot] = self._types.check(slot, value)

    def __delitem__(self, slot: str) -> None:
        del self.raw[slot]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __contains__(self, slot: object) -> bool:
        return slot in self.raw

    def __repr__(self) -> str:
        return f"SlotValues({dict(self)!r})"
