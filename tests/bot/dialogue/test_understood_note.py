"""The transcript's ``understood`` note, its figures worked out without decimal
conversions (issue 16), must be the very event ``Event(...)`` builds from ``round`` and
the format, every field set, for every kind of command, none or several, sure or not."""

from __future__ import annotations

import time

import pytest

from bot.dialogue.understood import understood_event
from bot.messages import Identity, Inbound
from bot.model import EVENTS, Event
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

INBOUND = Inbound(identity=Identity(channel="webchat", user_id="u1"), message_id="m1",
                  text="where is my parcel")

RESULTS = [
    Understanding((StartFlow("orders", {"order": "A1001"}),), 0.858226, "en", "builtin"),
    Understanding((StartFlow("orders"),), 1.0, None, "builtin"),
    Understanding((SetSlots({"size": "M"}),), 0.9, "es", "builtin"),
    Understanding((AnswerFromKnowledge("shipping"),), 0.6745, "en", "builtin"),
    Understanding((HandOff("asked"),), 0.0005, "en", "scripted"),
    Understanding((Cancel(),), 0.125, "en", ""),
    Understanding((SwitchLanguage("es"), StartFlow("returns")), 0.995, "es", "openai"),
    Understanding((), 0.0, None, "builtin"),
]


def expected(result: Understanding, applied: bool, at: float) -> Event:
    """The note as the dataclass's own ``__init__`` builds it (the code before issue 16's
    session 13)."""
    commands: list[Command] = list(result.commands)
    intents = [c.flow if isinstance(c, StartFlow) else "human" if isinstance(c, HandOff)
               else "cancel" if isinstance(c, Cancel) else "knowledge"
               if isinstance(c, AnswerFromKnowledge) else "set_slots"
               for c in commands if not isinstance(c, SwitchLanguage)]
    intent = intents[0] if intents else "language" if commands else "none"
    described = [
        {"command": "start_flow", "flow": c.flow, "slots": dict(c.slots)}
        if isinstance(c, StartFlow) else {"command": "set_slots", "slots": dict(c.slots)}
        if isinstance(c, SetSlots) else {"command": "answer_from_knowledge",
                                         "passage": c.passage_id}
        if isinstance(c, AnswerFromKnowledge) else {"command": "hand_off", "reason": c.reason}
        if isinstance(c, HandOff) else {"command": "switch_language", "locale": c.locale}
        if isinstance(c, SwitchLanguage) else {"command": "cancel"} for c in commands]
    data = {"intent": intent, "confidence": round(result.confidence, 3),
            "provider": result.provider, "applied": applied, "commands": described}
    if result.locale:
        data["locale"] = result.locale
    text = (f"{intent} · {result.confidence:.0%} sure · {result.provider or 'no provider'}"
            f"{'' if applied else ' · not applied'}")
    return Event(kind="understood", at=at, channel="webchat", identity="webchat:default:u1",
                 text=text, data=data)


@pytest.mark.parametrize("applied", [True, False])
@pytest.mark.parametrize("result", RESULTS)
def test_the_note_is_the_event_the_dataclass_builds(result: Understanding,
                                                     applied: bool) -> None:
    note = understood_event(INBOUND, result, applied)
    # Equality reads every field: one the fast path left unset raises AttributeError.
    assert note == expected(result, applied, note.at)
    assert EVENTS.dump_json(note) == EVENTS.dump_json(expected(result, applied, note.at))


def test_the_note_has_a_time() -> None:
    before = time.time()
    note = understood_event(INBOUND, RESULTS[0], True)
    assert before <= note.at <= time.time()
