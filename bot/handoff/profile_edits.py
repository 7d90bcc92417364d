"""An operator's edit of a customer's profile: what may change, checked before it is
queued (a clear 400 for the console), and applied inside the customer's turn with a
history event that says who changed what from what to what.

Editable: ``name``, ``email``, ``phone`` (E.164, or written with its country code),
``locale`` and ``tags``. A phone or e-mail set by an operator is not vouched for by a
platform, so it is marked unverified and links nobody (linking trusts only proof).
"""

from __future__ import annotations

import re
from typing import Any

from bot.model import Event, Profile
from bot.phones import to_e164

EDITABLE = ("name", "email", "phone", "locale", "tags")
MAX_FIELD = 200
MAX_TAGS = 30
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
_TAG = re.compile(r"^[\w .:/-]{1,40}$")

Changes = dict[str, str | list[str] | None]


class BadEdit(ValueError):
    """A profile edit that cannot be applied; the message says how to fix it."""


def checked_changes(raw: object) -> Changes:
    """The changes as they will be stored (a phone in E.164, tags deduplicated), or
    ``BadEdit``. An empty string clears a field."""
    if not isinstance(raw, dict) or not raw:
        raise BadEdit(f'send {{"profile": {{...}}}} with some of {", ".join(EDITABLE)}')
    unknown = sorted(set(raw) - set(EDITABLE))
    if unknown:
        raise BadEdit(f"cannot edit {', '.join(unknown)}; editable: {', '.join(EDITABLE)}")
    changes: Changes = {}
    for name, value in raw.items():
        if name == "tags":
            changes[name] = _tags(value)
            continue
        if value is not None and not isinstance(value, str):
            raise BadEdit(f"{name} must be text")
        text = (value or "").strip()
        if len(text) > MAX_FIELD:
            raise BadEdit(f"{name}: at most {MAX_FIELD} characters")
        changes[name] = _field(name, text) if text else None
    return changes


def _field(name: str, text: str) -> str:
    if name == "email" and not _EMAIL.match(text):
        raise BadEdit("email: write an address like ana@example.com")
    if name == "phone":
        # With "+" or "00" only: without it, a national number would pass as international.
        phone = to_e164(text) if text.startswith(("+", "00")) else None
        if phone is None:
            raise BadEdit("phone: write the number with its country code, like +34600111222")
        return phone
    if name == "locale" and not _LOCALE.match(text):
        raise BadEdit("locale: write a language code like en or es")
    return text.lower() if name == "email" else text


def _tags(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise BadEdit("tags must be a list of words")
    tags = list(dict.fromkeys(tag.strip() for tag in value if tag.strip()))
    if len(tags) > MAX_TAGS or not all(_TAG.match(tag) for tag in tags):
        raise BadEdit(f"tags: at most {MAX_TAGS}, each 1-40 letters, digits or . : / -")
    return tags


def apply_changes(profile: Profile, changes: Changes, *, operator: str,
                  channel: str | None) -> tuple[Profile, Event | None]:
    """The profile edited, and the history event that records it (None: nothing changed)."""
    update: dict[str, Any] = {}
    diff: dict[str, list[Any]] = {}
    for name, value in changes.items():
        old = getattr(profile, name)
        new = value if value is not None or name != "tags" else []
        if old != new:
            update[name] = new
            diff[name] = [old, new]
    if not update:
        return profile, None
    if "phone" in update:
        update["phone_verified"] = False
    if "email" in update:
        update["email_verified"] = False
    summary = ", ".join(f"{name} {_shown(old)} → {_shown(new)}" for name, (old, new)
                        in diff.items())
    event = Event(kind="profile", channel=channel, text=f"profile edited: {summary}",
                  data={"operator": operator, "changes": diff})
    return profile.model_copy(update=update), event


def _shown(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return "—" if value in (None, "") else str(value)
