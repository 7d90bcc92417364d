"""What a connector may read back about the customer behind an identity: the language we
speak with them and their conversation so far, from every channel.

The web chat uses it to speak the customer's language in its own words, to greet a new
visitor once (not again on reload), and to show the history that came with a customer
who linked another channel (the bot promises "your answers and history come with you").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from bot.messages import Identity

Speaker = Literal["customer", "bot", "operator"]


@dataclass(frozen=True, slots=True)
class RecalledMessage:
    """One message of the conversation, as the customer saw it."""

    speaker: Speaker
    text: str
    at: float
    #: Where it was said ("telegram", "webchat"); None: before the customer had an address.
    channel: str | None
    #: The identity it was said on (``Identity.key``): tells two devices of one channel apart.
    identity: str | None
    #: The operator's display name, for ``speaker == "operator"``.
    author: str | None = None


@dataclass(frozen=True, slots=True)
class Recollection:
    #: The customer's language, when we know it (their choice or their platform's).
    locale: str | None
    #: Their last messages and our replies, oldest first (bounded: see ``Recaller``).
    messages: tuple[RecalledMessage, ...]


#: The recollection of the customer an identity belongs to; None for an identity we have
#: never seen (nothing is created by asking).
Recall = Callable[[Identity], Awaitable[Recollection | None]]
