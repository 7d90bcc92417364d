"""The customer is typing: a signal from the channels that report it (the web chat), sent
to the consoles that may see the conversation as a live frame, with no turn and nothing
stored. Only a conversation waiting for or with a person is announced (nobody watches
the others), each customer at most once per ``INTERVAL`` seconds.

Telegram's and WhatsApp's APIs do not tell a bot that the customer is typing (only a bot
can send "typing"), so their conversations never show it; see docs/operators.md.
"""

from __future__ import annotations

import time

from bot.handoff.desk import HandoffDesk
from bot.messages import Identity
from bot.store.handoff import HandoffQueue
from bot.store.store import Store

#: Seconds between two frames for one customer; the console shows "typing…" for ~5 s.
INTERVAL = 2.0
#: Customers remembered for the throttle before the oldest are forgotten.
REMEMBERED = 10_000


class TypingRelay:
    """A ``TypingSink`` that publishes ``{"type": "typing", ...}`` on the live channel
    (``StoreError`` when the store fails: the connector drops the hint)."""

    def __init__(self, store: Store, queue: HandoffQueue) -> None:
        self.store = store
        self.queue = queue
        self._published: dict[str, float] = {}

    async def __call__(self, identity: Identity) -> None:
        now = time.monotonic()
        if now - self._published.get(identity.key, float("-inf")) < INTERVAL:
            return
        customer_id = await self.store.known_customer(identity)
        if customer_id is None:
            return  # typing before their first message: nobody has it yet
        session, _ = await self.store.load(customer_id)
        if session.mode == "bot":
            return
        self._remember(identity.key, now)
        await self.queue.publish({
            "type": "typing", "customer_id": customer_id, "channel": identity.channel,
            "queued": session.mode == "queued",
            "operators": [session.operator] if session.operator else []})

    def _remember(self, key: str, at: float) -> None:
        if len(self._published) >= REMEMBERED:
            for old in list(self._published)[:REMEMBERED // 10]:
                del self._published[old]
        self._published[key] = at


def typing_relay(store: Store, desk: HandoffDesk | None) -> TypingRelay | None:
    """The relay for the connectors, when there is a desk to tell (handoff enabled)."""
    return TypingRelay(store, desk.queue) if desk is not None else None
