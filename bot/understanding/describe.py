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
