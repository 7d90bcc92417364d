"""HMAC-SHA256 under a secret keyed once and copied per use.

What signs or checks a body on every request or event (the event webhooks' signatures,
Meta's ``X-Hub-Signature-256``) takes its MAC from here: the key's padding and its two
first blocks are hashed once per secret instead of on every call (6.2 -> 3.8 µs an event
signature with a 500-byte body, 5.0 -> 3.5 µs a Meta check with 380 bytes, ``timeit``;
``hmac.digest``'s one-shot HMAC redoes them each time).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache


@lru_cache(maxsize=256)  # a deployment's few secrets, rotated now and then
def _keyed(secret: bytes) -> hmac.HMAC:
    return hmac.new(secret, digestmod=hashlib.sha256)


def hmac_sha256(secret: bytes, *parts: bytes) -> hmac.HMAC:
    """A fresh HMAC-SHA256 under ``secret`` that has been fed ``parts`` (read its
    ``digest()`` or ``hexdigest()``, or feed it more)."""
    mac = _keyed(secret).copy()
    for part in parts:
        mac.update(part)
    return mac
