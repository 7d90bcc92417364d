"""A model's tool calls, checked, as commands. Nothing a model says is trusted: a call to
a tool it was not given, a flow, slot, passage or locale the request does not have,
arguments that are not a JSON object or values of the wrong type make that one call
ignored and counted by reason (``ParsedCalls.invalid``); the others still apply.

Slot values are checked against their slot's JSON schema here (the shapes pydantic emits:
types, enums, formats left to pydantic) and validated again by the slot's pydantic type
when the core applies them, which stays the authority.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.understanding.contract import (
    AnswerFromKnowledge,
    Cancel,
    Command,
    FlowSpec,
    HandOff,
    Request,
    SetSlots,
    StartFlow,
    SwitchLanguage,
)
from bot.understanding.masking import PiiMask
from bot.understanding.openai_tools import (
    ANSWER,
    CANCEL,
    HAND_OFF,
    SET_SLOTS,
    START_FLOW,
    SWITCH_LANGUAGE,
    current_flow,
)

#: The confidence of a command whose model gave none (most do when asked; a small local
#: model may not): sure enough to act on with the default threshold (0.6), not certain.
DEFAULT_CONFIDENCE = 0.8

JSON = dict[str, Any]


class InvalidCall(ValueError):
    """One tool call that cannot become a command; ``reason`` is its counter label."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(slots=True)
class ParsedCalls:
    """The commands made of a model's tool calls, in the order it called them."""

    commands: list[Command] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)
    locale: str | None = None
    #: Ignored calls by reason: unknown_tool, bad_json, unknown_flow, unknown_slot,
    #: wrong_type, unknown_passage, unknown_locale.
    invalid: Counter[str] = field(default_factory=Counter)

    @property
    def confidence(self) -> float:
        """The least sure of the commands (they are applied together), 0 with none."""
        return min(self.confidences) if self.confidences else 0.0


def parse_calls(calls: Sequence[tuple[str, str]], request: Request,
                mask: PiiMask) -> ParsedCalls:
    """``calls`` as (tool name, JSON arguments) pairs, checked against ``request``."""
    parsed = ParsedCalls()
    for name, arguments in calls:
        try:
            parser = _PARSERS.get(name)
            if parser is None:
                raise InvalidCall("unknown_tool")
            args = _arguments(arguments)
            command = parser(args, request, mask)
            confidence = _confidence(args)
        except InvalidCall as exc:
            parsed.invalid[exc.reason] += 1
            continue
        parsed.commands.append(command)
        parsed.confidences.append(confidence)
        language = args.get("language")
        if parsed.locale is None and language in request.locales:
            parsed.locale = language
    return parsed


def _arguments(text: str) -> JSON:
    try:
        args = json.loads(text or "{}")
    except ValueError:
        raise InvalidCall("bad_json") from None
    if not isinstance(args, dict):
        raise InvalidCall("bad_json")
    return args


def _confidence(args: JSON) -> float:
    value = args.get("confidence")
    if value is None:
        return DEFAULT_CONFIDENCE
    if not _is_number(value) or not 0 <= value <= 1:
        raise InvalidCall("wrong_type")
    return float(value)


def _start_flow(args: JSON, request: Request, mask: PiiMask) -> Command:
    flow = next((f for f in request.flows if f.name == args.get("flow")), None)
    if flow is None:
        raise InvalidCall("unknown_flow")
    return StartFlow(flow=flow.name, slots=_slots(args.get("slots", {}), flow, mask))


def _set_slots(args: JSON, request: Request, mask: PiiMask) -> Command:
    flow = current_flow(request)
    if flow is None:
        raise InvalidCall("unknown_flow")
    slots = _slots(args.get("slots"), flow, mask)
    if not slots:
        raise InvalidCall("unknown_slot")
    return SetSlots(slots=slots)


def _slots(value: object, flow: FlowSpec, mask: PiiMask) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidCall("wrong_type")
    specs = {slot.name: slot for slot in flow.slots}
    slots: dict[str, Any] = {}
    for name, given in value.items():
        spec = specs.get(name)
        if spec is None:
            raise InvalidCall("unknown_slot")
        if not conforms(given, spec.schema):
            raise InvalidCall("wrong_type")
        slots[name] = mask.restore(given)
    return slots


def _answer(args: JSON, request: Request, mask: PiiMask) -> Command:
    ids = {passage.id for passage in request.passages}
    passage_id = args.get("passage_id")
    cites = args.get("cites", [])
    text = args.get("answer")
    if not isinstance(cites, list) or not (text is None or isinstance(text, str)):
        raise InvalidCall("wrong_type")
    if passage_id not in ids or not all(cite in ids for cite in cites):
        raise InvalidCall("unknown_passage")
    cited = tuple(dict.fromkeys([passage_id, *cites]))  # the answered passage, cited first
    return AnswerFromKnowledge(passage_id=passage_id, text=mask.restore(text) or None,
                               cites=cited if text else ())


def _hand_off(args: JSON, request: Request, mask: PiiMask) -> Command:
    reason = args.get("reason")
    if reason is None or reason == "":
        return HandOff()
    if not isinstance(reason, str):
        raise InvalidCall("wrong_type")
    return HandOff(reason=reason)


def _cancel(args: JSON, request: Request, mask: PiiMask) -> Command:
    if request.current_flow is None:
        raise InvalidCall("unknown_flow")
    return Cancel()


def _switch_language(args: JSON, request: Request, mask: PiiMask) -> Command:
    locale = args.get("locale")
    if not isinstance(locale, str) or locale not in request.locales:
        raise InvalidCall("unknown_locale")
    return SwitchLanguage(locale=locale)


_PARSERS: Mapping[str, Callable[[JSON, Request, PiiMask], Command]] = {
    START_FLOW: _start_flow, SET_SLOTS: _set_slots, ANSWER: _answer, HAND_OFF: _hand_off,
    CANCEL: _cancel, SWITCH_LANGUAGE: _switch_language,
}

_TYPES: Mapping[str, Callable[[object], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: _is_number(v),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}


def _anything(value: object) -> bool:
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def conforms(value: object, schema: Mapping[str, Any]) -> bool:
    """Whether ``value`` has the type, enum or const ``schema`` asks for (and, for lists,
    each item its ``items``). An empty schema, or one by ``$ref``, accepts anything:
    pydantic checks it when the slot is set."""
    if "anyOf" in schema or "oneOf" in schema:
        return any(conforms(value, option)
                   for option in schema.get("anyOf", schema.get("oneOf", ())))
    if "enum" in schema and value not in schema["enum"]:
        return False
    if "const" in schema and value != schema["const"]:
        return False
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_TYPES.get(name, _anything)(value) for name in names):
            return False
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, Mapping):
        return all(conforms(item, items) for item in value)
    return True
