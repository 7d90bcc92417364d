"""What a send is told, and what it answers.

The window context is lazy: a channel with a customer-service window (WhatsApp, Messenger)
asks ``await context.last_inbound_at()`` and pays one store read; a channel without one
never asks and pays nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.model import Origin


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """What the platform answered to a send: its id for the message, when it has one."""

    platform_message_id: str | None = None


class SendContext:
    """The context of one delivery, shared by all its parts and retries: who speaks
    (``origin``) and, read on the first ask only, when the customer last wrote on the
    identity the message goes to."""

    __slots__ = ("_last", "_read", "origin")

    def __init__(self, origin: Origin = "bot", *,
                 last_inbound: Callable[[], Awaitable[float | None]] | None = None) -> None:
        self.origin: Origin = origin
        self._read = last_inbound
        self._last: float | None = None

    @classmethod
    def known(cls, last_inbound_at: float | None, origin: Origin = "bot") -> SendContext:
        """A context whose answer is known already (tests, sends outside the dispatcher)."""
        context = cls(origin)
        context._last = last_inbound_at
        return context

    async def last_inbound_at(self) -> float | None:
        """Epoch seconds of the customer's last message on this identity; None: never (or
        nobody could tell). Reads the store the first time only; a failed read raises
        ``StoreError`` and is tried again on the next ask."""
        if self._read is not None:
            self._last = await self._read()
            self._read = None
        return self._last

    def __repr__(self) -> str:
        return f"SendContext(origin={self.origin!r})"
