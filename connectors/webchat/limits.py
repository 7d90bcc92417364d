"""What one anonymous visitor, or one network address, may make the store do and hold.

Anyone can open the web chat, so every limit is counted in the store (token buckets
taken atomically by a script: sockets and processes share them) and none trusts the
client. Together they bound what one client can make Redis hold: visitors (new ones per
address per hour), messages (per visitor per minute, per address per hour), messages
nobody answered yet (per visitor: the inbox and a waiting handoff), replies waiting for an
absent visitor (capped per visitor in the connector), history (``store.history_limit``
per customer).
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Literal

from bot.channels import ConnectorState
from connectors.webchat.settings import WebChatSettings

Refusal = Literal["rate", "unanswered"]

MINUTE = 60.0
HOUR = 3600.0


def network_of(address: str | None) -> str:
    """The bucket an address counts in: the address itself for IPv4, its /64 for IPv6 (one
    host usually holds a whole /64, so single addresses would be free to rotate)."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class VisitorLimits:
    """The web chat's limits, shared by every socket and process through ``state``."""

    def __init__(self, state: ConnectorState, settings: WebChatSettings) -> None:
        self._state = state
        self._settings = settings

    async def admit_new_visitor(self, address: str | None) -> bool:
        """Whether ``address`` may be given another visitor identity now. Raises
        ``StoreError``."""
        return await self._state.take(f"limit:new:{network_of(address)}",
                                      capacity=self._settings.new_visitors_per_hour,
                                      refill_seconds=HOUR)

    async def admit_message(self, visitor: str, address: str | None) -> Refusal | None:
        """None when ``visitor`` (at ``address``) may send a message now, else why not.
        Raises ``StoreError``."""
        settings = self._settings
        per_visitor, per_address, unanswered = await asyncio.gather(
            self._state.take(f"limit:rate:{visitor}", capacity=settings.rate_per_minute,
                             refill_seconds=MINUTE),
            self._state.take(f"limit:address:{network_of(address)}",
                             capacity=settings.messages_per_hour_per_address,
                             refill_seconds=HOUR),
            self._state.take(f"limit:unanswered:{visitor}", capacity=settings.max_unanswered,
                             refill_seconds=HOUR),
        )
        if not (per_visitor and per_address):
            return "rate"
        return None if unanswered else "unanswered"

    async def forget(self, visitor: str) -> None:
        """Drop the visitor's own buckets (the customer is erased)."""
        await self._state.delete(f"limit:rate:{visitor}")
        await self._state.delete(f"limit:unanswered:{visitor}")

    async def answered(self, visitor: str) -> None:
        """The visitor got an answer: they may write ``max_unanswered`` messages again."""
        await self._state.delete(f"limit:unanswered:{visitor}")
