"""The terminal as a channel, for developers: ``omnicanal chat``.

Text only, so choices appear as numbered lists and typing "2" picks the second one, as
on any text-only channel.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from bot.channels import BaseConnector, Capabilities, ConnectorSettings, SendContext, SendReceipt
from bot.messages import Identity, Inbound, Outbound, SenderHint, Text, text_of


class ConsoleSettings(ConnectorSettings):
    """The terminal channel of ``omnicanal chat``."""

    #: Who you are to the bot: the user id of the console's identity.
    user: str = "developer"
    #: The language the console reports; unset, the default locale.
    locale: str | None = None


class ConsoleConnector(BaseConnector):
    capabilities = Capabilities(max_text_length=10_000, max_buttons=0)
    settings_model = ConsoleSettings

    def __init__(self, *, channel: str = "console", settings: ConsoleSettings | None = None,
                 output: TextIO | None = None) -> None:
        super().__init__(channel=channel)
        self.settings = settings or ConsoleSettings()
        self.output = output or sys.stdout
        self._counter = 0

    @property
    def identity(self) -> Identity:
        return Identity(channel=self.channel, account=self.account, user_id=self.settings.user)

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        text = str(update.get("text") or "").strip()
        if not text:
            return []
        self._counter += 1
        message_id = str(update.get("id") or f"{update.get('session', '')}:{self._counter}")
        return [Inbound(identity=self.identity, message_id=message_id, text=text,
                        sender=SenderHint(locale=self.settings.locale), raw=update)]

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        text = message.text if isinstance(message, Text) else text_of(message)
        if text:
            print(f"bot> {text.replace(chr(10), chr(10) + '     ')}", file=self.output, flush=True)
        return SendReceipt(platform_message_id=key or None)
