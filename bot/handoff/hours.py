"""Business hours: is someone supposed to answer now?"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config.handoff import BusinessHours

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_open(hours: BusinessHours | None, now: datetime) -> bool:
    """``now`` must be timezone-aware; no hours configured means always open."""
    if hours is None or not hours.days:
        return True
    local = now.astimezone(ZoneInfo(hours.timezone))
    spans: dict[str, str] = {str(day): span for day, span in hours.days.items()}
    span = spans.get(_DAYS[local.weekday()])
    if span is None:
        return False
    opens, closes = span.split("-")
    return bool(opens <= local.strftime("%H:%M") < closes)


def describe(hours: BusinessHours | None) -> str:
    """ "mon 09:00-18:00, tue 09:00-18:00 (Europe/Madrid)" for customers and operators."""
    if hours is None or not hours.days:
        return ""
    spans: dict[str, str] = {str(day): span for day, span in hours.days.items()}
    days = ", ".join(f"{d} {spans[d]}" for d in _DAYS if d in spans)
    return f"{days} ({hours.timezone})"
