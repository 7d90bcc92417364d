"""Counting what happens, as it happens, for the analytics page.

Every committed turn is turned into counter increments (messages per channel, customers
per channel and day, paths between channels, flow funnels, handoffs, satisfaction),
buffered in memory and flushed to Redis once a second in one pipelined batch, so the
message path pays no extra round trip. Counters live in one hash per day plus
HyperLogLogs for unique customers (12 KB at most each), and expire after ``keep_days``:
memory stays bounded whatever the traffic, and several processes simply add up.
A crash loses at most the last second of analytics, never a message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from bot.analytics.offline import OfflineToOnline
from bot.config.reaching import EntryPointSettings
from bot.errors import StoreError
from bot.metrics import Metrics
from bot.stages import CommittedTurn
from bot.store.analytics import AnalyticsCounters

log = logging.getLogger(__name__)

SATISFACTION_FLOW = "satisfaction"


def day_of(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def channel_of(identity_key: object) -> str:
    return str(identity_key).split(":", 1)[0]


class AnalyticsRecorder:
    def __init__(self, counters: AnalyticsCounters, *, metrics: Metrics | None = None,
                 flush_seconds: float = 1.0,
                 entries: Mapping[str, EntryPointSettings] | None = None) -> None:
        self.counters = counters
        #: The QR entry points' funnel (``offline.py``).
        self.offline = OfflineToOnline(entries or {})
        self.unique_key = counters.unique_key
        self.metrics = metrics or Metrics()
        self.flush_seconds = flush_seconds
        self._counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self._uniques: defaultdict[str, set[str]] = defaultdict(set)

    # -- observing (synchronous, on the message path: buffer only) -----------------------

    def turn_committed(self, turn: CommittedTurn) -> None:
        customer_id, before, result = turn.customer_id, turn.before, turn.result
        now = time.time()
        day, hour = day_of(now), datetime.fromtimestamp(now, UTC).strftime("%H")
        counts, uniques = self._counts[day], self._uniques
        for event in result.events:
            channel = event.channel or "-"
            data = event.data
            missed = data.get("sla_missed")  # on a take, a timeout or a first reply
            for target in missed if isinstance(missed, list) else []:
                counts[f"sla_missed:{target}"] += 1
            if event.kind == "inbound":
                counts[f"in:{channel}"] += 1
                counts[f"hour:{hour}:in"] += 1
                uniques[self.unique_key(day, f"cust:{channel}")].add(customer_id)
                uniques[self.unique_key(day, "cust")].add(customer_id)
            elif event.kind == "outbound":
                counts[f"out:{channel}"] += 1
            elif event.kind == "channel_switch":
                source, target = channel_of(data.get("from")), channel_of(data.get("to"))
                if source != target:
                    counts[f"path:{source}>{target}"] += 1
                    uniques[self.unique_key(day, "multichannel")].add(customer_id)
            elif event.kind == "flow":
                flow, state = data.get("flow"), data.get("state")
                counts[f"flow:{flow}:{state}"] += 1
                if state == "ended":  # ended by the flow: why, as the flow named it
                    counts[f"flow:{flow}:outcome:{data.get('outcome') or '-'}"] += 1
                score = (data.get("slots") or {}).get("score")
                if flow == SATISFACTION_FLOW and state == "completed" and score:
                    counts[f"csat:{score}"] += 1
            elif event.kind == "handoff":
                counts[f"handoff:{data.get('state')}"] += 1
                counts[f"hour:{hour}:handoff:{data.get('state')}"] += 1
                if data.get("direct"):
                    counts["handoff:direct"] += 1
                if data.get("handled_seconds") is not None:
                    counts["handoff:handled"] += 1
                    counts["handoff:handling_sum"] += round(float(data["handled_seconds"]))
        for flow, step in result.steps:
            counts[f"step:{flow}:{step}"] += 1
        self.offline.count(customer_id, result, day=day, now=now, counts=counts,
                           uniques=uniques, unique_key=self.unique_key)
        after = result.session
        if before.mode != "human" and after.mode == "human" and after.handoff is not None \
                and after.handoff.taken_at is not None:
            waited = max(after.handoff.taken_at - after.handoff.requested_at, 0)
            counts["handoff:waited"] += 1
            counts["handoff:wait_sum"] += round(waited)
            self.metrics.handoff_wait.observe(waited)

    # -- flushing -------------------------------------------------------------------------

    async def flush(self) -> None:
        counts, uniques = self._counts, self._uniques
        if not counts and not uniques:
            return
        self._counts, self._uniques = defaultdict(Counter), defaultdict(set)
        try:
            await self.counters.add(counts, uniques)
        except StoreError as exc:
            log.warning("analytics flush failed, will retry: %s", exc)
            for day, fields in counts.items():
                self._counts[day].update(fields)
            for key, members in uniques.items():
                self._uniques[key] |= members

    async def run(self, stop: asyncio.Event) -> None:
        """Flush at most once per ``flush_seconds`` while counts come in; once more at stop."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.flush_seconds)
            await self.flush()
        await self.flush()
