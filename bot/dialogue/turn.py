"""What a step sees: the message, the slots, the profile, and ways to reply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.dialogue.texts import Texts
from bot.messages import Choice, Choices, File, Image, Inbound, Outbound, Text
from bot.model import Profile


class Turn:
    """The context of one step. Replies are buffered and committed with the turn.

    ``slots`` belong to the running flow; ``profile`` changes are saved with the turn.
    """

    def __init__(
        self,
        *,
        customer_id: str,
        inbound: Inbound,
        slots: dict[str, Any],
        profile: Profile,
        locale: str,
        texts: Texts,
        replies: list[Outbound],
        flow: str,
    ) -> None:
        self.customer_id = customer_id
        self.inbound = inbound
        self.slots = slots
        self.profile = profile
        self.locale = locale
        self.flow = flow
        self._texts = texts
        self._replies = replies

    @property
    def channel(self) -> str:
        """The channel the customer is writing on now."""
        return self.inbound.identity.channel

    def t(self, key: str, /, **values: object) -> str:
        """The text ``key`` in the customer's language."""
        return self._texts.get(self.locale, key, **values)

    def say(self, text: str) -> None:
        self._replies.append(Text(text=text))

    def offer(self, text: str, choices: Sequence[Choice]) -> None:
        """Show choices without waiting for one (e.g. a menu whose buttons start flows)."""
        self._replies.append(Choices(text=text, choices=tuple(choices)))

    def image(self, url: str, caption: str | None = None) -> None:
        self._replies.append(Image(url=url, caption=caption))

    def file(self, url: str, name: str | None = None, caption: str | None = None) -> None:
        self._replies.append(File(url=url, name=name, caption=caption))

    def send(self, message: Outbound) -> None:
        self._replies.append(message)
