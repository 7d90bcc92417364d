"""Service-level targets of the handoff queue (``handoff.sla``), as pure functions.

Two clocks start when the customer asks for a person: *waiting* runs until an operator
takes the conversation, *first response* until an operator first replies. The console
shows each running clock's time left, warns past ``warn_at`` of the target, and marks it
missed after; the desk notes a missed target in the history event that stopped its clock
(``sla_missed``), which the analytics count.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.config.handoff import SlaSettings, SlaTargets
from bot.model import Session

Target = Literal["waiting", "first_response"]
ClockState = Literal["ok", "warning", "missed"]


def minutes_of(targets: SlaTargets, target: Target) -> float:
    return targets.waiting_minutes if target == "waiting" else targets.first_response_minutes


def clock(targets: SlaTargets, target: Target, *, started: float, now: float
          ) -> dict[str, Any] | None:
    """A running clock's view, or None when this target is not set."""
    minutes = minutes_of(targets, target)
    if not minutes:
        return None
    limit = minutes * 60
    elapsed = max(now - started, 0.0)
    state: ClockState = "missed" if elapsed >= limit \
        else "warning" if elapsed >= limit * targets.warn_at else "ok"
    return {"target_seconds": round(limit), "left_seconds": round(limit - elapsed),
            "warn_seconds": round(limit * (1 - targets.warn_at)), "state": state}


def missed(targets: SlaTargets, target: Target, *, started: float, now: float) -> bool:
    minutes = minutes_of(targets, target)
    return bool(minutes) and now - started >= minutes * 60


def sla_view(sla: SlaSettings, session: Session, now: float) -> dict[str, Any]:
    """The clocks still running for a conversation (an empty dict when none is)."""
    handoff = session.handoff
    if handoff is None or session.mode == "bot":
        return {}
    targets = sla.for_channel(session.address.channel if session.address else None)
    clocks: dict[str, Any] = {}
    if session.mode == "queued":
        clocks["waiting"] = clock(targets, "waiting", started=handoff.requested_at, now=now)
    if handoff.first_reply_at is None:
        clocks["first_response"] = clock(targets, "first_response",
                                         started=handoff.requested_at, now=now)
    return {name: view for name, view in clocks.items() if view is not None}


def missed_on_take(sla: SlaSettings, session: Session, now: float) -> list[Target]:
    """The waiting target, if the take (or a timeout) stops its clock past it."""
    handoff = session.handoff
    if handoff is None:
        return []
    targets = sla.for_channel(session.address.channel if session.address else None)
    return ["waiting"] if missed(targets, "waiting", started=handoff.requested_at, now=now) \
        else []


def missed_on_reply(sla: SlaSettings, session: Session, now: float) -> list[Target]:
    """The first-response target, if this first reply comes past it."""
    handoff = session.handoff
    if handoff is None or handoff.first_reply_at is not None:
        return []
    targets = sla.for_channel(session.address.channel if session.address else None)
    return ["first_response"] if missed(targets, "first_response",
                                        started=handoff.requested_at, now=now) else []
