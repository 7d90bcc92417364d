"""Time zones in config.yaml and profiles: IANA names, checked once where they are read."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def valid_timezone(value: str) -> str:
    """``value`` when it names a time zone; a ValueError that says what to write otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                         "Europe/Madrid or UTC") from None
    return value
