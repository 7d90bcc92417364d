"""A paused campaign holds what is already queued in customers' inboxes.

Pausing stops the clock from claiming recipients, but a wave it queued just before is in
the inboxes already. Each of those messages reaches its customer's turn, which asks here
(``hold``, ``campaign_hold.lua``): the campaign's status, read and acted on in one step;
when it is paused, the recipient is held back in the campaign's ``held`` sorted set (its
keys share the ``{camp:<id>}`` tag), and the turn sends nothing. Resume (or cancel) puts
every held recipient back in the queue in the same step as the status changes
(``campaign_status.lua``), and raises the campaign's ``round``: the clock then queues
messages under ids with the round in them, which the inbox has not seen, so the held
recipient's message is queued again. Each customer still gets it at most once: their
session remembers a campaign sent (``bot/campaigns/stage.py``), whatever ids its
messages had.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from bot.errors import StoreError
from bot.store.batching import CommandBatcher
from bot.store.boundary import CLIENT_ERRORS, boundary, translates
from bot.store.keys import Keys
from bot.store.results import as_str
from bot.store.scripts import Script, now_ms


@boundary
class CampaignHolds:
    def __init__(self, redis: Redis, batcher: CommandBatcher, keys: Keys) -> None:
        self.redis = redis
        self.batcher = batcher
        self.keys = keys
        self._hold = Script(redis, batcher, "campaign_hold", "hold a paused campaign's message")

    def _key(self, campaign_id: str, part: str) -> str:
        return f"{self.keys.campaign(campaign_id)}:{part}"

    @translates
    async def hold(self, campaign_id: str, member: str) -> str | None:
        """The campaign's status now; when it is ``paused``, ``member`` (its queue
        member) is held back until it resumes."""
        status = await self._hold(keys=[self._key(campaign_id, "meta"),
                                        self._key(campaign_id, "held")],
                                  args=[member, now_ms()])
        return as_str(status) if status is not None else None

    @translates
    async def state(self, campaign_id: str) -> tuple[str | None, int]:
        """The campaign's status and round (how many times it left ``paused``)."""
        try:
            status, round_ = await self.batcher.execute(
                "HMGET", self._key(campaign_id, "meta"), "status", "round")
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not read a campaign's status: {exc}") from exc
        return (as_str(status) if status is not None else None,
                int(round_) if round_ is not None else 0)

    async def held(self, campaign_id: str) -> int:
        """How many recipients are held back (the campaign is paused)."""
        return int(await self.redis.zcard(self._key(campaign_id, "held")))

    async def first_queued(self, campaign_id: str, limit: int) -> list[str]:
        """Recipients in the queue, due or not (a cancelled campaign drops them all)."""
        found: list[Any] = await self.redis.zrange(self._key(campaign_id, "queue"), 0,
                                                   limit - 1)
        return [as_str(m) for m in found]
