"""Cursor pagination for the business API's lists: ``limit`` (default 50, at most 200)
and an opaque ``cursor`` that says where the previous page stopped.

A cursor is the position of the last item given (a time and an id, or a key), as
base64url JSON with an HMAC: a caller cannot forge one that reads from somewhere it was
not given, and a cursor garbled in transit is a clear 400 instead of a wrong page.
Positions are values, not offsets, so items added while a caller pages (newer customers,
new messages) never shift what the next page holds: nothing is skipped or given twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from bot.api.responses import problem
from bot.web.types import WebRequest, WebResponse

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MAC_BYTES = 12


@dataclass(frozen=True, slots=True)
class Page:
    """What a list request asks for: how many, and after which position (None: from
    the start)."""

    limit: int
    after: Any


class Cursors:
    """Makes and reads the cursors of one list (``kind`` keeps one list's cursor from
    being replayed against another)."""

    def __init__(self, secret: bytes, kind: str) -> None:
        self.key = hmac.new(secret, b"api-cursor:" + kind.encode(), hashlib.sha256).digest()

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def make(self, position: Any) -> str:
        payload = json.dumps(position, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(self._mac(payload) + payload).decode().rstrip("=")

    def read(self, cursor: str) -> Any:
        """The position in ``cursor``; ValueError when it is not one of ours."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except ValueError:
            raise ValueError("not a cursor") from None
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if len(cursor) > 1000 or not hmac.compare_digest(mac, self._mac(payload)):
            raise ValueError("not a cursor")
        return json.loads(payload)

    def page(self, request: WebRequest) -> Page | WebResponse:
        """The request's ``limit`` and ``cursor``, or the 400 that says what is wrong."""
        raw_limit = request.query.get("limit", str(DEFAULT_LIMIT))
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
            return problem(400, "invalid_limit", f"limit is a whole number from 1 to "
                           f"{MAX_LIMIT} (default {DEFAULT_LIMIT})")
        cursor = request.query.get("cursor")
        if cursor is None:
            return Page(int(raw_limit), None)
        try:
            return Page(int(raw_limit), self.read(cursor))
        except ValueError:
            return problem(400, "invalid_cursor", "cursor must be a next_cursor this API "
                           "gave, passed back unchanged")

    def listing(self, name: str, items: list[Any], next_position: Any) -> dict[str, Any]:
        """A page's body: the items under ``name``, and ``next_cursor`` (null at the end)."""
        return {name: items,
                "next_cursor": None if next_position is None else self.make(next_position)}
