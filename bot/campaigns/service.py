"""What the API (and the console) do with campaigns: estimate a segment, create a
campaign (its audience is chosen then, and fixed), pause, resume, cancel, read its stats.

Statuses: ``scheduled`` (until ``start_at``) → ``running`` → ``finished``; ``paused``
from either of the first two (messages already in inboxes are held back, ``held`` in the
stats, ``bot/store/campaign_holds.py``), and ``resume`` makes it ``running`` (its
recipients are still due at ``start_at`` at the earliest: a campaign resumed early does
not start early; the held ones are due at once); ``cancelled`` from any but
``finished`` (every recipient not yet sent is counted as ``failed.cancelled``). Every move
is a compare-and-set.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.campaigns.audience import AudienceFinder
from bot.config.campaigns import CampaignDefinition, Segment
from bot.store.campaign_holds import CampaignHolds
from bot.store.campaigns import CampaignRecord, CampaignStore

#: action → (the status it moves to, the statuses it may move from).
MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "pause": ("paused", ("scheduled", "running")),
    "resume": ("running", ("paused",)),
    "cancel": ("cancelled", ("scheduled", "running", "paused")),
}

#: Counters every stats answer carries, zero until something happened.
COUNTERS = ("sent", "delivered", "read", "replied", "clicked", "opted_out", "conversions")


class CampaignRefused(Exception):
    """A campaign that cannot be created as asked: the code and a message that says
    what to change."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}


@dataclass(frozen=True, slots=True)
class Moved:
    ok: bool
    status: str | None


class Campaigns:
    def __init__(self, *, store: CampaignStore, audience: AudienceFinder,
                 flows: Sequence[str]) -> None:
        self.store = store
        self.holds = CampaignHolds(store.redis, store.batcher, store.keys)
        self.audience = audience
        self.flows = set(flows)

    async def estimate(self, segment: Segment) -> dict[str, object]:
        return (await self.audience.select(segment)).summary()

    async def create(self, definition: CampaignDefinition, *, by: str) -> dict[str, Any]:
        unknown = [c.flow for c in definition.choices if c.flow and c.flow not in self.flows]
        if unknown:
            raise CampaignRefused("unknown_flow", f"choice flow {unknown[0]!r} is not a flow "
                                  f"of this bot; known: {', '.join(sorted(self.flows))}")
        selection = await self.audience.select(definition.segment)
        if not selection.recipients:
            skipped = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n
                                in sorted(selection.skipped.items())) or "nobody matched"
            raise CampaignRefused("no_audience", "the segment reaches nobody, so nothing "
                                  f"would be sent ({selection.matched} matched; skipped: "
                                  f"{skipped}); nothing was created", selection.summary())
        now = time.time()
        start = definition.start_at.timestamp() if definition.start_at else now
        record = CampaignRecord(
            id=secrets.token_hex(6), definition_json=definition.model_dump_json(),
            status="scheduled", created_at=now, by=by, start_at=max(start, now),
            audience=selection.audience)
        await self.store.create(record, selection.recipients, {
            "matched": selection.matched,
            **{f"skipped:{k}": v for k, v in selection.skipped.items()}})
        return await self.describe(record)

    async def describe(self, record: CampaignRecord) -> dict[str, Any]:
        definition = json.loads(record.definition_json)
        return {"id": record.id, "name": definition["name"], "status": record.status,
                "created_at": record.created_at, "by": record.by,
                "start_at": record.start_at, "audience": record.audience,
                "definition": definition}

    async def get(self, campaign_id: str) -> dict[str, Any] | None:
        record = await self.store.get(campaign_id)
        return await self.describe(record) if record is not None else None

    async def list(self, *, limit: int = 100) -> list[dict[str, Any]]:
        found = []
        for campaign_id in await self.store.ids(limit=limit):
            record = await self.store.get(campaign_id)
            if record is not None:
                described = await self.describe(record)
                described.pop("definition")
                found.append(described)
        return found

    async def move(self, campaign_id: str, action: str) -> Moved:
        to, allowed = MOVES[action]
        ok = await self.store.move(campaign_id, to, allowed_from=allowed)
        return Moved(ok, await self.store.status(campaign_id))

    async def stats(self, campaign_id: str) -> dict[str, Any] | None:
        record = await self.store.get(campaign_id)
        if record is None:
            return None
        counted = await self.store.stats(campaign_id)
        failed = {k.split(":", 1)[1]: v for k, v in counted.items() if k.startswith("failed:")}
        skipped = {k.split(":", 1)[1]: v for k, v in counted.items()
                   if k.startswith("skipped:")}
        return {"id": record.id, "status": record.status, "audience": record.audience,
                "matched": counted.get("matched", record.audience),
                "queued": await self.store.remaining(campaign_id),
                "held": await self.holds.held(campaign_id),
                **{name: counted.get(name, 0) for name in COUNTERS},
                "failed": dict(sorted(failed.items())), "skipped": dict(sorted(skipped.items()))}
