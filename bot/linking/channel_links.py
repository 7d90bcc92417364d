"""The ready links a link code message offers: one per enabled channel that can open
with the code already typed (``BaseConnector.continue_link``)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels import BaseConnector
from bot.dialogue.texts import Texts


class ContinueLinks:
    """``ChannelLinks`` for the linking stage. The channel the code was asked on is
    offered too, "on another device": a laptop's web chat gives the link that opens the
    same conversation on a phone."""

    def __init__(self, connectors: Mapping[str, BaseConnector], texts: Texts,
                 locale: str) -> None:
        self.connectors = connectors
        self.texts = texts
        self.locale = locale

    def __call__(self, current_channel: str, code: str) -> list[tuple[str, str]]:
        found = []
        for connector in self.connectors.values():
            if url := connector.continue_link(code):
                label = self.texts.label(self.locale, connector.channel)
                if connector.channel == current_channel:
                    label = self.texts.get(self.locale, "link.other_device", channel=label)
                found.append((label, url))
        return found
