"""Meta's customer-service windows, as pure decisions.

Inside 24 hours of the customer's last message anything may be sent. Outside it WhatsApp
takes only approved templates and Messenger only tagged messages (HUMAN_AGENT within 7
days of the last message; the other tags are not bound to a window).
"""

from __future__ import annotations

import time

STANDARD_WINDOW = 24 * 3600.0
HUMAN_AGENT_WINDOW = 7 * 24 * 3600.0


def age(last_inbound_at: float | None, now: float | None = None) -> float | None:
    """Seconds since the customer last wrote (``SendContext.last_inbound_at()``); None when
    they never did on this identity."""
    if last_inbound_at is None:
        return None
    return (time.time() if now is None else now) - last_inbound_at


def inside(last_inbound_at: float | None, seconds: float = STANDARD_WINDOW,
           now: float | None = None) -> bool:
    elapsed = age(last_inbound_at, now)
    return elapsed is not None and elapsed < seconds


def messenger_tag_allowed(tag: str, last_inbound_at: float | None,
                          now: float | None = None) -> bool:
    """HUMAN_AGENT is allowed for 7 days after the last message; other tags always."""
    return tag != "HUMAN_AGENT" or inside(last_inbound_at, HUMAN_AGENT_WINDOW, now)
