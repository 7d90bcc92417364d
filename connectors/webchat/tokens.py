"""Signed visitor tokens: the browser keeps one so its identity survives reloads."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# What new_visitor_id makes: anything else in a token was not made by us.
_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_visitor_id() -> str:
    return secrets.token_urlsafe(12)


def sign(secret: bytes, visitor_id: str) -> str:
    mac = hmac.new(secret, visitor_id.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{visitor_id}.{mac}"


def verify(secret: bytes, token: str | None) -> str | None:
    """The visitor id inside a valid token, else None (for any string at all: non-ASCII
    text and lone surrogates included, which ``encode`` and ``compare_digest`` reject)."""
    if not token or len(token) > 200 or not token.isascii() or token.count(".") != 1:
        return None
    visitor_id, mac = token.split(".")
    if not _VISITOR_ID.fullmatch(visitor_id):
        return None
    expected = sign(secret, visitor_id).split(".")[1]
    return visitor_id if hmac.compare_digest(mac, expected) else None
