"""Signed visitor tokens: the browser keeps one so its identity survives reloads."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_visitor_id() -> str:
    return secrets.token_urlsafe(12)


def sign(secret: bytes, visitor_id: str) -> str:
    mac = hmac.new(secret, visitor_id.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{visitor_id}.{mac}"


def verify(secret: bytes, token: str | None) -> str | None:
    """The visitor id inside a valid token, else None."""
    if not token or token.count(".") != 1 or len(token) > 200:
        return None
    visitor_id, mac = token.split(".")
    expected = sign(secret, visitor_id).split(".")[1]
    return visitor_id if visitor_id and hmac.compare_digest(mac, expected) else None
