"""What the console shows, shaped from stored data (pure functions)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.config.handoff import OperatorAccount
from bot.history import OPENING_ID
from bot.messages import Identity
from bot.model import Event, Profile, Session


def author(event: Event) -> str:
    if event.kind == "inbound":
        return "customer"
    if event.kind in ("outbound", "note"):
        return str(event.data.get("author") or "bot")
    return "system"


def transcript(events: list[Event]) -> list[dict[str, Any]]:
    """The whole history across channels, each entry marked with its channel; internal
    notes are marked so (the customer never sees them)."""
    return [{"kind": e.kind, "at": e.at, "channel": e.channel, "text": e.text or "",
             "author": author(e), "internal": e.kind == "note"} for e in events]


def unread(events: list[Event], read_at: float | None) -> int:
    """The customer's messages since the operator last had the conversation open (a
    page's automatic opening is not one of theirs)."""
    return sum(1 for e in events if e.kind == "inbound" and e.at > (read_at or 0)
               and e.data.get("message_id") != OPENING_ID)


def last_customer_text(events: list[Event]) -> str:
    return next((e.text or "" for e in reversed(events) if e.kind == "inbound"), "")


def session_view(session: Session) -> dict[str, Any]:
    frame = session.frame
    handoff = session.handoff
    return {
        "mode": session.mode,
        "operator": session.operator,
        "flow": frame.flow if frame else None,
        "step": frame.step if frame else None,
        "reason": handoff.reason if handoff else None,
        "queued_at": handoff.requested_at if handoff else None,
        "channel": session.address.channel if session.address else None,
    }


def flow_titles(titles: Mapping[str, Mapping[str, str]], *, hidden: Iterable[str] = (),
                locale: str = "en") -> list[dict[str, str]]:
    """The flows a conversation can sensibly be handed back to, by the titles they
    declare (in ``locale``, else their first): a flow without a title is a part of
    another (a sub-flow) or the desk's own (the satisfaction survey), not a target."""
    choices = [{"name": name, "title": title.get(locale) or next(iter(title.values()))}
               for name, title in titles.items() if title and name not in set(hidden)]
    return sorted(choices, key=lambda choice: choice["title"].casefold())


def masked_phone(phone: str) -> str:
    """A phone number as the console names a customer by it: country code and the last
    three digits, "+34 ••• 222" (the whole number is in the profile panel)."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) < 7:
        return "•••"
    return f"+{digits[:2]} ••• {digits[-3:]}"


def short_id(customer_id: str) -> str:
    """The few characters of a customer's id the console shows (and asks to be typed
    before an erasure)."""
    return customer_id[:6]


def display_name(profile: Profile, customer_id: str) -> str:
    """What the console calls a customer, the same in the queue, the header and the
    profile panel: their name (the one they gave, else their platform profile's), their
    username, e-mail, masked phone, else a short id."""
    if profile.name and profile.name.strip():
        return profile.name.strip()
    if profile.username:
        return f"@{profile.username.lstrip('@')}"
    if profile.email:
        return profile.email
    if profile.phone:
        return masked_phone(profile.phone)
    return f"Customer {short_id(customer_id)}"


def profile_view(profile: Profile) -> dict[str, Any]:
    return {"name": profile.name, "username": profile.username, "phone": profile.phone,
            "phone_verified": profile.phone_verified, "email": profile.email,
            "locale": profile.locale, "tags": profile.tags}


def identities_view(identities: list[Identity], unreachable: set[str],
                    first_seen: Mapping[str, float] | None = None,
                    history: Sequence[Event] = ()) -> list[dict[str, Any]]:
    """Each identity with what tells two of one channel apart: when it first wrote, and
    the device its last message came from (as the channel could tell)."""
    devices = {e.identity: str(e.data["device"]) for e in history
               if e.kind == "inbound" and e.identity and e.data.get("device")}
    seen = first_seen or {}
    return [{"channel": i.channel, "account": i.account, "user_id": i.user_id,
             "unreachable": i.key in unreachable, "first_seen": seen.get(i.key),
             "device": devices.get(i.key)} for i in identities]


def queue_item(customer_id: str, session: Session, profile: Profile, events: list[Event],
               position: int, *, sla: dict[str, Any] | None = None) -> dict[str, Any]:
    """``sla``: the service-level clocks still running (``bot/handoff/sla.py``)."""
    handoff = session.handoff
    return {
        "customer_id": customer_id,
        "name": profile.name,
        "display_name": display_name(profile, customer_id),
        "channel": session.address.channel if session.address else None,
        "reason": handoff.reason if handoff else None,
        "waiting_seconds": round(time.time() - handoff.requested_at) if handoff else 0,
        "priority": handoff.priority if handoff else 0,
        "position": position,
        "last_text": last_customer_text(events),
        "sla": sla or {},
    }


def conversation_item(customer_id: str, session: Session, profile: Profile,
                      events: list[Event], *, sla: dict[str, Any] | None = None
                      ) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "name": profile.name,
        "display_name": display_name(profile, customer_id),
        "channel": session.address.channel if session.address else None,
        "mode": session.mode,
        "operator": session.operator,
        "last_text": last_customer_text(events),
        "updated_at": events[-1].at if events else None,
        "sla": sla or {},
    }


def operator_view(account: OperatorAccount, *, online: bool, active: int) -> dict[str, Any]:
    return {"id": account.id, "name": account.display_name, "role": account.role,
            "capacity": account.capacity, "online": online, "active": active}
