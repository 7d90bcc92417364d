"""Choosing a campaign's audience from the customer directory (the search index's list
of every customer with when they were last active), and estimating it before sending."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.campaigns.segments import in_segment, verdict
from bot.config.campaigns import Segment
from bot.store.campaigns import CampaignStore, Snapshot, member
from bot.store.search import SearchIndex

#: Customers read per pipelined batch while choosing.
_BATCH = 1000
#: Batches read ahead of the one being checked (three cost more CPU and wall time
#: than one in ``bench.campaign``, measured side by side).
_AHEAD = 1


@dataclass(frozen=True, slots=True)
class Selection:
    """The customers a segment reaches (queue members), and those skipped by reason."""

    matched: int
    recipients: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def audience(self) -> int:
        return len(self.recipients)

    def summary(self) -> dict[str, object]:
        return {"matched": self.matched, "audience": self.audience,
                "skipped": dict(sorted(self.skipped.items()))}


class AudienceFinder:
    def __init__(self, *, index: SearchIndex, campaigns: CampaignStore,
                 enabled: Sequence[str], consent_defaults: Mapping[str, bool],
                 default_locale: str, default_timezone: str) -> None:
        self.index = index
        self.campaigns = campaigns
        self.enabled = list(enabled)
        self.consent_defaults = consent_defaults
        self.default_locale = default_locale
        self.default_timezone = default_timezone

    def _read(self, chunk: list[tuple[str, float]]) -> asyncio.Future[list[Snapshot]]:
        return asyncio.ensure_future(self.campaigns.snapshots([c for c, _ in chunk]))

    async def select(self, segment: Segment, *, now: float | None = None) -> Selection:
        """Everyone the segment reaches now, as campaign queue members."""
        moment = time.time() if now is None else now
        everyone = await self.index.everyone()
        recipients: list[str] = []
        skipped: Counter[str] = Counter()
        matched = 0
        chunks = [everyone[i:i + _BATCH] for i in range(0, len(everyone), _BATCH)]
        # The next chunk is read while this one is checked: the store works meanwhile.
        reading = deque(self._read(chunk) for chunk in chunks[:_AHEAD])
        try:
            for n, chunk in enumerate(chunks):
                snaps = await reading.popleft()
                if n + _AHEAD < len(chunks):
                    reading.append(self._read(chunks[n + _AHEAD]))
                matched += self._tally(segment, dict(chunk), snaps, moment, recipients,
                                       skipped)
        finally:  # a failed read leaves the others unwanted
            for unwanted in reading:
                unwanted.cancel()
        return Selection(matched, recipients, dict(skipped))

    def _tally(self, segment: Segment, seen: Mapping[str, float], snaps: list[Snapshot],
               moment: float, recipients: list[str], skipped: Counter[str]) -> int:
        """Add a chunk's audience to ``recipients`` and its skips to ``skipped``; the
        customers of the chunk in the segment."""
        matched = 0
        for snap in snaps:
            if not in_segment(segment, snap, last_seen=seen[snap.customer_id], now=moment,
                              default_locale=self.default_locale):
                continue
            matched += 1
            found = verdict(segment, snap, enabled=self.enabled,
                            consent_defaults=self.consent_defaults)
            if found.skip is not None:
                skipped[found.skip] += 1
                continue
            recipients.append(member(snap.customer_id,
                                     snap.profile.timezone or self.default_timezone,
                                     found.channel))
        return matched
