"""Sending campaigns: every process that runs turns looks for recipients due now, claims
a batch (atomically: one process gets each, ``bot/store/campaigns.py``), keeps back those
in their quiet hours (due again when the hours end, in their time zone), and queues the
rest in their inbox as ``campaign:<id>:<customer>`` at the channel's rate, then removes
them from the queue. Each turn decides and sends (``bot/campaigns/stage.py``).

Killed anywhere in between, nothing is lost and nothing doubles: claims left behind come
due again after ``campaigns.claim_seconds``, and queueing a recipient twice is a duplicate
the inbox ignores. A pause stops the claiming between waves, and the turns of what was
queued before it hold their recipients back (``bot/store/campaign_holds.py``); after a
resume, the ids carry the campaign's round (``campaign:<id>:<customer>:r<round>``) so the
held ones are queued anew. A cancelled campaign's recipients still in its queue are
dropped here, each counted once as ``failed:cancelled``.

A campaign whose queue is empty and whose every recipient was decided is finished by
exactly one process (a compare-and-set of its status), which emits the
``campaign.finished`` webhook event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.campaigns import CampaignDefinition, CampaignSettings, QuietHours
from bot.errors import StoreError
from bot.model import BusinessMessage
from bot.store.campaign_holds import CampaignHolds
from bot.store.campaigns import CampaignStore, parse_member

log = logging.getLogger(__name__)

Enqueue = Callable[[str, BusinessMessage], Awaitable[bool]]
Publish = Callable[[str, bytes], Awaitable[None]]
#: Recipients queued at once, before waiting for their turns to finish (so a campaign
#: of 100,000 never has 100,000 turns in flight).
_WAVE = 200
#: The detail a recipient dropped by a cancel is recorded with (clock or turn).
CANCELLED = "the campaign was cancelled before it reached this customer"


def quiet_until(quiet: QuietHours, timezone: str, now: float) -> float | None:
    """When the quiet hours around ``now`` end for a customer in ``timezone``; None when
    it is not quiet there now."""
    zone = ZoneInfo(timezone)
    local = datetime.fromtimestamp(now, zone)
    start = tuple(map(int, quiet.start.split(":")))
    end = tuple(map(int, quiet.end.split(":")))
    here = (local.hour, local.minute)
    crosses_midnight = start > end
    quiet_now = (here >= start or here < end) if crosses_midnight else start <= here < end
    if not quiet_now:
        return None
    ends = local.replace(hour=end[0], minute=end[1], second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.timestamp()


class RateLimit:
    """At most ``rate`` per second in this process (one spacing per channel)."""

    def __init__(self, rate: float) -> None:
        self.spacing = 1 / rate
        self.next_at = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        if self.next_at > now:
            await asyncio.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.spacing


class CampaignClock:
    def __init__(self, campaigns: CampaignStore, *, enqueue: Enqueue,
                 settings: CampaignSettings, idle: Callable[[], Awaitable[None]],
                 publish: Publish | None = None) -> None:
        self.campaigns = campaigns
        self.holds = CampaignHolds(campaigns.redis, campaigns.batcher, campaigns.keys)
        self.enqueue = enqueue
        self.settings = settings
        #: Waits until this process's turns are done (the pipeline's).
        self.idle = idle
        self.publish = publish
        self.limits = {c: RateLimit(r) for c, r in settings.rate_per_second.items()}
        self._quiet: dict[str, QuietHours | None] = {}

    async def tick(self) -> int:
        """Queue what is due now in every running campaign; how many were queued."""
        queued = 0
        now = time.time()
        for campaign_id in await self.campaigns.ids(limit=500):
            status = await self.campaigns.status(campaign_id)
            if status == "scheduled":
                record = await self.campaigns.get(campaign_id)
                if record is None or record.start_at > now or not await self.campaigns.move(
                        campaign_id, "running", allowed_from=["scheduled"]):
                    continue
                status = "running"
            if status == "running":
                queued += await self._run(campaign_id)
            elif status == "cancelled":
                await self._drop(campaign_id)
        return queued

    async def _quiet_hours(self, campaign_id: str) -> QuietHours | None:
        if campaign_id not in self._quiet:
            record = await self.campaigns.get(campaign_id)
            own = CampaignDefinition.model_validate(json.loads(record.definition_json)) \
                .quiet_hours if record is not None else None
            self._quiet[campaign_id] = own or self.settings.quiet_hours
        return self._quiet[campaign_id]

    async def _run(self, campaign_id: str) -> int:
        queued = 0
        while True:
            members = await self.campaigns.claim(
                campaign_id, claim_seconds=self.settings.claim_seconds,
                limit=self.settings.batch)
            if not members:
                await self._finish_if_done(campaign_id)
                return queued
            quiet = await self._quiet_hours(campaign_id)
            now = time.time()
            later: dict[str, float] = {}
            ready: list[tuple[str, str, str]] = []
            for raw in members:
                customer_id, timezone, channel = parse_member(raw)
                until = quiet_until(quiet, timezone, now) if quiet is not None else None
                if until is not None:
                    later[raw] = until
                else:
                    ready.append((raw, customer_id, channel))
            await self.campaigns.defer(campaign_id, later)
            for start in range(0, len(ready), _WAVE):
                status, round_ = await self.holds.state(campaign_id)
                if status != "running":
                    return queued  # paused or cancelled: the claims come due again
                wave = ready[start:start + _WAVE]
                await self._queue(campaign_id, wave, round_)
                await self.campaigns.done(campaign_id, [raw for raw, _, _ in wave])
                queued += len(wave)
                await self.idle()

    async def _queue(self, campaign_id: str, wave: list[tuple[str, str, str]],
                     round_: int) -> None:
        unlimited = []
        suffix = f":r{round_}" if round_ else ""
        for raw, customer_id, channel in wave:
            # ``member``: what a turn holds back if the campaign is paused meanwhile.
            item = BusinessMessage(id=f"campaign:{campaign_id}:{customer_id}{suffix}",
                                   action="campaign", ref=campaign_id,
                                   values={"member": raw})
            limit = self.limits.get(channel)
            if limit is None:
                unlimited.append(self.enqueue(customer_id, item))
                continue
            await limit.wait()
            await self.enqueue(customer_id, item)
        await asyncio.gather(*unlimited)

    async def _drop(self, campaign_id: str) -> None:
        """A cancelled campaign's recipients never queued in an inbox (due or not yet):
        each counted once as ``failed:cancelled``, then removed from the queue. Two
        processes doing it at once count nothing twice (the outcome is once per
        customer)."""
        while members := await self.holds.first_queued(campaign_id, self.settings.batch):
            await asyncio.gather(*(self.campaigns.record(
                campaign_id, parse_member(raw)[0], "decided", CANCELLED, "failed:cancelled")
                for raw in members))
            await self.campaigns.done(campaign_id, members)

    async def _finish_if_done(self, campaign_id: str) -> None:
        record = await self.campaigns.get(campaign_id)
        if record is None or await self.campaigns.remaining(campaign_id):
            return
        stats = await self.campaigns.stats(campaign_id)
        decided = stats.get("sent", 0) + sum(v for k, v in stats.items()
                                             if k.startswith("failed:"))
        if decided < record.audience:
            return  # the last turns are still running
        if not await self.campaigns.move(campaign_id, "finished", allowed_from=["running"]):
            return
        log.info("campaign %s finished: %s", campaign_id, stats)
        if self.publish is not None:
            from bot.webhooks.events import BusinessEvent

            await self.publish(f"campaign-{campaign_id}", BusinessEvent(
                "campaign.finished", "", {"campaign_id": campaign_id,
                                          "name": json.loads(record.definition_json)["name"],
                                          "audience": record.audience, "stats": stats}
            ).to_json())

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except StoreError as exc:  # the loop's boundary: claims come due again
                log.warning("sending campaigns failed (retried): %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.poll_seconds)
