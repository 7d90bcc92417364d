"""What the cross-channel journeys check in the one transcript a customer leaves."""

from __future__ import annotations

from typing import Any

from bot.model import Event


def completed_slots(history: list[Event], flow: str) -> dict[str, Any]:
    """The slots of the one completed run of ``flow``, without its generated reference."""
    [completed] = [e for e in history if e.kind == "flow" and e.data.get("flow") == flow
                   and e.data.get("state") == "completed"]
    slots = dict(completed.data["slots"])
    assert slots.pop("reference")
    return slots


def channels_in_order(history: list[Event]) -> list[str | None]:
    """The channels the customer wrote on, in order, each run of one channel counted once."""
    said = [e.channel for e in history if e.kind == "inbound"]
    return [c for i, c in enumerate(said) if i == 0 or said[i - 1] != c]
