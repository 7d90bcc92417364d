"""Degrade rich messages to what a channel declared it can show, once, in the core.

Choices become buttons where the channel has enough of them and a numbered list elsewhere
(the dialogue engine maps a typed "2" back to the second choice); long texts are split at
paragraph, line or word boundaries; images and files become links on text-only channels.
Connectors only ever receive messages they declared they can render.
"""

from __future__ import annotations

from bot.channels.capabilities import Capabilities
from bot.messages import (
    Choice,
    Choices,
    File,
    Image,
    Outbound,
    RequestPhone,
    Template,
    Text,
    Typing,
)

ELLIPSIS = "…"


def render(message: Outbound, caps: Capabilities) -> list[Outbound]:
    """The messages to send for ``message`` on a channel with ``caps``, in order."""
    if isinstance(message, Text):
        if len(message.text) <= caps.max_text_length:
            return [message]  # nearly every reply: no copy to build
        return [Text(text=part, author=message.author)
                for part in split_text(message.text, caps.max_text_length)]
    if isinstance(message, Choices):
        return _render_choices(message, caps)
    if isinstance(message, Image | File):
        if (caps.images if isinstance(message, Image) else caps.files):
            return [message]
        line = f"{message.caption}\n{message.url}" if message.caption else message.url
        return render(Text(text=line), caps)
    if isinstance(message, RequestPhone):
        return [message] if caps.request_phone else render(Text(text=message.text), caps)
    if isinstance(message, Typing):
        return [message] if caps.typing else []
    if isinstance(message, Template):
        return [message] if caps.templates else render(Text(text=message.text), caps)
    raise TypeError(f"cannot render {type(message).__name__}")


def numbered_list(message: Choices) -> str:
    lines = [message.text, ""] if message.text else []
    lines.extend(f"{i}. {choice.title}" for i, choice in enumerate(message.choices, start=1))
    return "\n".join(lines)


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def _render_choices(message: Choices, caps: Capabilities) -> list[Outbound]:
    if not caps.shows_buttons(len(message.choices)):
        return render(Text(text=numbered_list(message)), caps)
    if len(message.text) <= caps.max_text_length and all(
            len(c.title) <= caps.button_title_length for c in message.choices):
        return [message]  # fits as it is
    parts = split_text(message.text, caps.max_text_length)
    choices = tuple(
        Choice(payload=c.payload, title=cut(c.title, caps.button_title_length),
               description=c.description)
        for c in message.choices
    )
    head: list[Outbound] = [Text(text=part) for part in parts[:-1]]
    return [*head, Choices(text=parts[-1], choices=choices)]


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters, preferring paragraph,
    then line, then word boundaries; never returns an empty list."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut_at = -1
        for separator in ("\n\n", "\n", " "):
            cut_at = window.rfind(separator, 0, limit + 1)
            if cut_at > limit // 2:
                break
        if cut_at <= 0:
            parts.append(rest[:limit])
            rest = rest[limit:]
            continue
        parts.append(rest[:cut_at].rstrip())
        rest = rest[cut_at:].lstrip()
    if rest:
        parts.append(rest)
    return parts
