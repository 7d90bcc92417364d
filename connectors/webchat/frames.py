"""Bounds on what a browser frame may carry: every field a visitor sends is cut or refused
before it reaches the store."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.web.json_input import json_object
from bot.web.types import WebSocket

#: A whole frame, in characters (the server's websocket limit is 64 KiB of bytes).
MAX_FRAME = 16_000
#: A button payload; ours are short, so a longer one was not ours.
MAX_PAYLOAD = 1000
#: The name of a visitor's device, as their page sends it.
MAX_DEVICE = 60

# BCP 47 as browsers report it ("en", "es-419", "zh-Hant-TW"); nothing else is kept.
_LOCALE = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,4}")


def locale(value: object) -> str | None:
    """The browser's language tag, or None when it is not one."""
    if isinstance(value, str) and len(value) <= 35 and _LOCALE.fullmatch(value):
        return value
    return None


def device(value: object) -> str | None:
    """The page's name for its browser and system ("Chrome on Android"): printable, cut
    to ``MAX_DEVICE``; None when it is not a string or nothing is left."""
    if not isinstance(value, str):
        return None
    shown = "".join(c for c in value[:MAX_DEVICE] if c.isprintable()).strip()
    return shown or None


def decode(raw: str) -> dict[str, Any] | None:
    """A frame's JSON object; None when it is too long, not JSON in valid Unicode (a lone
    surrogate), or not an object."""
    return None if len(raw) > MAX_FRAME else json_object(raw)


def string(value: object) -> str | None:
    return value if isinstance(value, str) else None


async def send(ws: WebSocket, frame: dict[str, Any]) -> None:
    await ws.send_text(json.dumps(frame, ensure_ascii=False))


async def error(ws: WebSocket, code: int, message: str) -> None:
    """An error frame; ``code`` means what the same HTTP status would (400, 429, 503)."""
    await send(ws, {"type": "error", "code": code, "message": message})
