"""The profile panel's "Consent and follow-ups": the customer's consent ledger with its
history, their pending reminders and where they came from (pure functions, kept apart
from ``views.py`` so the console's other panels change independently)."""

from __future__ import annotations

from typing import Any

from bot.consent.ledger import entries
from bot.model import Event, Profile, Session


def consent_history(events: list[Event]) -> list[dict[str, Any]]:
    """Every consent decision in the history, newest first."""
    return [{"at": e.at, "channel": e.channel, "text": e.text or "", **e.data}
            for e in reversed(events) if e.kind == "consent"]


def reaching_view(profile: Profile, session: Session, events: list[Event]) -> dict[str, Any]:
    return {
        "consents": entries(profile),
        "consent_history": consent_history(events),
        "reminders": [{"id": r.id, "due": r.due, "flow": r.flow, "text_key": r.text_key}
                      for r in session.reminders],
        "first_touch": profile.first_touch.model_dump() if profile.first_touch else None,
        "last_touch": profile.last_touch.model_dump() if profile.last_touch else None,
    }
