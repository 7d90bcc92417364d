"""What an operator reads first when they take a conversation: where the bot had got to
(flow and step, by the titles the flow declares), the answers collected so far (by their
slots' titles), why it came to a person, and the last few messages. Built from the
session and the history alone (pure), so it is there at once and whatever the model does;
a generated summary (``generated_summary.py``) may come on top of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogue.flow import Flow
from bot.model import Event, Session
from bot.operator.views import author

#: How many of the last messages the summary repeats.
LAST_MESSAGES = 3


def readable(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def slot_title(flow: Flow | None, slot: str) -> str:
    """A slot's title: its model field's ``title`` (or description), else its name made
    readable ("order_number" → "Order number")."""
    model = flow.slot_types.model if flow is not None else None
    field = model.model_fields.get(slot) if model is not None else None
    if field is not None and (field.title or field.description):
        return str(field.title or field.description)
    return readable(slot)


def flow_title(flow: Flow | None, name: str, locale: str) -> str:
    if flow is None or not flow.title:
        return readable(name)
    return flow.title.get(locale) or next(iter(flow.title.values()))


def last_messages(events: list[Event], count: int = LAST_MESSAGES) -> list[dict[str, Any]]:
    """The last ``count`` messages either way (not notes nor system lines)."""
    said = [e for e in events if e.kind in ("inbound", "outbound") and (e.text or "").strip()]
    return [{"author": author(e), "text": e.text or "", "at": e.at, "channel": e.channel}
            for e in said[-count:]]


def structured_summary(session: Session, events: list[Event], flows: Mapping[str, Flow], *,
                       locale: str) -> dict[str, Any]:
    frame = session.frame
    flow = flows.get(frame.flow) if frame is not None else None
    answers = [] if frame is None else [
        {"slot": name, "title": slot_title(flow, name), "value": _shown(value)}
        for name, value in frame.slots.items()
        if not name.startswith("_") and value not in (None, "", [], {})]
    return {
        "flow": flow_title(flow, frame.flow, locale) if frame is not None else None,
        "step": (flow.step_title(frame.step) if flow is not None else readable(frame.step))
        if frame is not None else None,
        "answers": answers,
        "reason": session.handoff.reason if session.handoff else None,
        "last_messages": last_messages(events),
    }


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    return str(value)
