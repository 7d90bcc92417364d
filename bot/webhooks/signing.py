"""Webhook signatures, Stripe-style: ``Omnicanal-Signature: t=<unix seconds>,v1=<hex>``
where ``hex`` is HMAC-SHA256 with the subscription's secret over ``"<t>." + body``.

Signing the timestamp with the body lets a receiver refuse a replayed request (an old
``t``); ``v1`` names the scheme so a second one can be added beside it later.

Each secret's HMAC is keyed once (``bot.keyed_hmac``), and the body is hashed where it
lies rather than copied behind the timestamp first.
"""

from __future__ import annotations

import hmac
import time

from bot.keyed_hmac import hmac_sha256

HEADER = "Omnicanal-Signature"
#: How old a signature's timestamp may be before ``verify`` refuses it.
TOLERANCE_SECONDS = 300


def signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac_sha256(secret.encode(), b"%d." % timestamp, body).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The header's value for ``body``, signed now (or at ``timestamp``)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={signature(secret, body, at)}"


def verify(secret: str, body: bytes, header: str, *,
           tolerance_seconds: int = TOLERANCE_SECONDS, now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is recent enough."""
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        parts.setdefault(name, []).append(value)
    try:
        at = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - at) > tolerance_seconds:
        return False
    expected = signature(secret, body, at)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
