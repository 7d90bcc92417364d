"""``Outbound`` → one Bot API call ``(method, params)``. Pure: no SDK, no I/O.

Button payloads longer than Telegram's 64-byte ``callback_data`` are replaced by a short
key (``~`` + 16 url-safe characters, derived from the payload so the same payload always
gets the same key); the connector stores key → payload and restores it on the press.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels import Capabilities
from bot.messages import Choices, File, Image, Outbound, RequestPhone, Text, Typing
from connectors.telegram.updates import SHORT_PREFIX

CAPABILITIES = Capabilities(max_text_length=4096, max_buttons=24, button_title_length=64,
                            images=True, files=True, typing=True, request_phone=True)
MAX_CALLBACK_BYTES = 64
#: Buttons share a row when every title is at most this long (two per row reads better).
SHORT_TITLE = 14


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Bot API method call."""

    method: str
    params: dict[str, Any]


def fits_callback_data(payload: str) -> bool:
    return 1 <= len(payload.encode()) <= MAX_CALLBACK_BYTES and not payload.startswith(
        SHORT_PREFIX)


def short_key(payload: str) -> str:
    """A 17-character stand-in for a payload too long for ``callback_data``."""
    digest = hashlib.sha256(payload.encode()).digest()[:12]
    return SHORT_PREFIX + base64.urlsafe_b64encode(digest).decode()


def long_payloads(message: Outbound) -> dict[str, str]:
    """short key → payload for every payload in ``message`` that must be stored."""
    if not isinstance(message, Choices):
        return {}
    return {short_key(c.payload): c.payload for c in message.choices
            if not fits_callback_data(c.payload)}


def render_call(chat_id: int, message: Outbound) -> ApiCall:
    """The Bot API call that shows ``message`` in the private chat ``chat_id``."""
    if isinstance(message, Text):
        return ApiCall("sendMessage", {"chat_id": chat_id, "text": message.text})
    if isinstance(message, Choices):
        return ApiCall("sendMessage", {"chat_id": chat_id, "text": message.text,
                                       "reply_markup": inline_keyboard(message)})
    if isinstance(message, Image):
        return ApiCall("sendPhoto", _with_caption({"chat_id": chat_id, "photo": message.url},
                                                  message.caption))
    if isinstance(message, File):
        return ApiCall("sendDocument", _with_caption(
            {"chat_id": chat_id, "document": message.url}, message.caption))
    if isinstance(message, Typing):
        return ApiCall("sendChatAction", {"chat_id": chat_id, "action": "typing"})
    if isinstance(message, RequestPhone):
        keyboard = {"keyboard": [[{"text": message.button, "request_contact": True}]],
                    "one_time_keyboard": True, "resize_keyboard": True}
        return ApiCall("sendMessage", {"chat_id": chat_id, "text": message.text,
                                       "reply_markup": keyboard})
    raise TypeError(f"cannot render {type(message).__name__} for Telegram")


def inline_keyboard(message: Choices) -> dict[str, Any]:
    """One button per row, or two when every title is short; at most 100 buttons."""
    buttons = [{"text": c.title,
                "callback_data": c.payload if fits_callback_data(c.payload)
                else short_key(c.payload)}
               for c in message.choices[:100]]
    per_row = 2 if all(len(c.title) <= SHORT_TITLE for c in message.choices) else 1
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    return {"inline_keyboard": rows}


def _with_caption(params: dict[str, Any], caption: str | None) -> dict[str, Any]:
    if caption:
        params["caption"] = caption[:1024]  # Telegram's caption limit
    return params


def message_id_of(result: object) -> str | None:
    """The platform message id in a send result (a dict here, SDK objects in connectors)."""
    if isinstance(result, Mapping):
        value = result.get("message_id")
        return str(value) if value is not None else None
    value = getattr(result, "message_id", None)
    return str(value) if value is not None else None
