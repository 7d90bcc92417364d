"""Delivered and read, per campaign: a platform's delivery report for a customer who was
sent a campaign counts for that campaign, once per customer and status.

Platforms report statuses by their own message id, which the outbox does not keep, so a
report is matched by time: it counts for the campaign sent to the customer most recently
before the report, when that was within a day (the window in which a campaign's own
report arrives). A reply the bot sent after the campaign, in that day, may be what the
report is about; the count then still says the customer was reached on that channel.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import Identity
from bot.model import Event
from bot.store.campaigns import CampaignStore
from bot.store.statuses import StatusLog
from bot.store.store import Store

#: Reports later than this after a campaign's send are not matched to it.
MATCH_SECONDS = 24 * 3600
COUNTED = {"delivered": "delivered", "read": "read"}


class CampaignStatusLog(StatusLog):
    """The runtime's status log, also counting campaigns' delivered and read."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.campaigns = CampaignStore(store.redis, store.batcher, store.keys)

    async def record(self, identity: Identity, platform_message_id: str, status: str,
                     event: Event, *, aliases: Sequence[Identity] = ()) -> bool:
        recorded = await super().record(identity, platform_message_id, status, event,
                                        aliases=aliases)
        counter = COUNTED.get(status)
        if recorded and counter is not None:
            customer_id = await self.store.resolve(identity, aliases)
            session, _ = await self.store.load(customer_id)
            sent = [(mark.sent_at, campaign_id) for campaign_id, mark
                    in session.campaigns.items()
                    if mark.sent_at - 5 <= event.at <= mark.sent_at + MATCH_SECONDS]
            if sent:
                _, campaign_id = max(sent)
                await self.campaigns.record(campaign_id, customer_id, counter, status, counter)
        return recorded
