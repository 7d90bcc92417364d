"""A connector that keeps what it is sent: for tests, and for embedding Omnicanal where
replies are read back rather than pushed (it doubles as a test fake of any channel)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels import BaseConnector, Capabilities, SendContext, SendReceipt
from bot.messages import Identity, Inbound, Outbound, text_of


@dataclass(frozen=True, slots=True)
class Sent:
    to: Identity
    message: Outbound
    key: str

    @property
    def text(self) -> str:
        return text_of(self.message)


class CollectingConnector(BaseConnector):
    def __init__(self, *, channel: str = "collect",
                 capabilities: Capabilities | None = None) -> None:
        super().__init__(channel=channel)
        self.capabilities = capabilities or Capabilities(max_buttons=10, images=True,
                                                         files=True)
        self.sent: list[Sent] = []
        self._changed = asyncio.Condition()

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        return [Inbound.model_validate(update)]

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        async with self._changed:
            self.sent.append(Sent(to, message, key))
            self._changed.notify_all()
        return SendReceipt(platform_message_id=key or None)

    def to(self, user_id: str) -> list[Sent]:
        return [s for s in self.sent if s.to.user_id == user_id]

    async def wait_for(self, predicate: Callable[[list[Sent]], bool], timeout: float = 5) -> None:
        """Wait until ``predicate(self.sent)`` holds."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: predicate(self.sent)), timeout)
