"""Understandings in words and plain JSON: for the history, the transcript and the eval."""

from __future__ import annotations

from bot.model import JSONValue
from bot.understanding.contract import (
    AnswerFromKnowledge,
    Cancel,
    Command,
    HandOff,
    SetSlots,
    StartFlow,
    SwitchLanguage,
    Understanding,
)

#: A whole percentage's text, by the percentage as a float (0.0 to 100.0).
_PERCENTS = {float(n): f"{n}%" for n in range(101)}
#: Added to and taken from a float below it, rounds it to a whole number half to even
#: (the floats from 2**52 on are whole: the sum is rounded, as every float sum is).
_ROUNDER = 2.0**52
#: How near a half a product of rounding may be and still be decided here (the exact
#: product is within 1e-13 of the float one).
_NEAR_HALF = 0.5 - 1e-9


def confidence_figures(confidence: float) -> tuple[float, str]:
    """``round(confidence, 3)`` and ``f"{confidence:.0%}"``: the note's figure and the
    transcript's, the same float and text, for a confidence in (0, 1] without the two
    decimal conversions (issue 16: about 3,500 instructions of what a sentence costs).

    The percentage is ``confidence * 100``, the product the format takes, rounded half to
    even as the format rounds it. The thousandths round ``confidence * 1000``: the same
    whole number as the exact product's unless that lies within 1e-9 of a half, where
    ``round`` itself decides; that number over 1000 is the float nearest the
    three-decimal value, which ``round`` returns. Outside (0, 1] (nothing understood, a
    NaN, a negative zero), ``round`` and the format themselves."""
    if not 0.0 < confidence <= 1.0:
        return round(confidence, 3), f"{confidence:.0%}"
    percent = _PERCENTS[confidence * 100 + _ROUNDER - _ROUNDER]
    scaled = confidence * 1000
    whole = scaled + _ROUNDER - _ROUNDER
    if -_NEAR_HALF < scaled - whole < _NEAR_HALF:
        return whole / 1000, percent
    return round(confidence, 3), percent


def intent_of(result: Understanding) -> str:
    """A name for what ``result`` means: a flow's name, ``human``, ``cancel``,
    ``language``, ``knowledge``, ``set_slots``, or ``none``."""
    for command in result.commands:
        if isinstance(command, StartFlow):
            return command.flow
        if isinstance(command, HandOff):
            return "human"
        if isinstance(command, Cancel):
            return "cancel"
        if isinstance(command, AnswerFromKnowledge):
            return "knowledge"
        if isinstance(command, SetSlots):
            return "set_slots"
    return "language" if result.commands else "none"


def slots_of(result: Understanding) -> dict[str, object]:
    """The slot values ``result`` gives (a StartFlow's or a SetSlots')."""
    for command in result.commands:
        if isinstance(command, StartFlow | SetSlots):
            return dict(command.slots)
    return {}


def describe_command(command: Command) -> dict[str, JSONValue]:
    """A command as plain JSON (for the history)."""
    if isinstance(command, StartFlow):
        return {"command": "start_flow", "flow": command.flow, "slots": dict(command.slots)}
    if isinstance(command, SetSlots):
        return {"command": "set_slots", "slots": dict(command.slots)}
    if isinstance(command, AnswerFromKnowledge):
        return {"command": "answer_from_knowledge", "passage": command.passage_id}
    if isinstance(command, HandOff):
        return {"command": "hand_off", "reason": command.reason}
    if isinstance(command, SwitchLanguage):
        return {"command": "switch_language", "locale": command.locale}
    return {"command": "cancel"}
