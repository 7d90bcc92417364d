"""``Recall`` for connectors (``bot/channels/recall.py``), read from the store.

A read only: an identity nobody has seen yet is not made a customer by asking (the
store's ``resolve`` would create one on first contact)."""

from __future__ import annotations

from bot.channels.recall import RecalledMessage, Recollection, Speaker
from bot.config.handoff import HandoffSettings
from bot.history import OPENING_ID
from bot.messages import Identity
from bot.model import Event
from bot.store.results import as_str
from bot.store.store import Store

#: Messages recalled: what a page shows of a conversation that came from elsewhere.
RECALLED_MESSAGES = 50
#: Events read to find them (the rest are flows started, links, notes...).
EVENTS_READ = 400


class Recaller:
    """``handoff``: where operators' display names are found."""

    def __init__(self, store: Store, handoff: HandoffSettings, *,
                 limit: int = RECALLED_MESSAGES) -> None:
        self.store = store
        self.handoff = handoff
        self.limit = limit

    async def __call__(self, identity: Identity) -> Recollection | None:
        held = await self.store.redis.get(self.store.keys.identity(identity.key))
        if held is None:
            return None
        customer_id = as_str(held)
        _, profile = await self.store.load(customer_id)
        events = await self.store.history(customer_id, limit=EVENTS_READ)
        messages = [m for m in map(self._message, events) if m is not None]
        return Recollection(locale=profile.locale, messages=tuple(messages[-self.limit:]))

    def _message(self, event: Event) -> RecalledMessage | None:
        if event.kind not in ("inbound", "outbound") or not event.text:
            return None
        if event.data.get("message_id") == OPENING_ID:
            return None  # the page's automatic opening: not something they said
        speaker: Speaker = "customer" if event.kind == "inbound" else "bot"
        author = str(event.data.get("author") or "")
        name: str | None = None
        if author.startswith("operator:"):
            speaker = "operator"
            operator_id = author.removeprefix("operator:")
            account = self.handoff.operator(operator_id)
            name = account.display_name if account else operator_id
        return RecalledMessage(speaker=speaker, text=event.text, at=event.at,
                               channel=event.channel, identity=event.identity, author=name)
