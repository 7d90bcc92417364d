"""Offline to online: what the shop's posters and a campaign's QR codes bring in, per
entry point (``entry_points`` in config.yaml, ``bot/reaching/entry.py``) and per
campaign.

- **scans**: messages that were a valid reference (each scan, the same customer's too);
- **conversations started**: customers who, after scanning, wrote to the shop again
  (the scan itself is not a conversation: a QR code sends it for them);
- **opt-ins**: consents granted with the entry point recorded as where (``qr``);
- **conversions**: customers who completed a flow after scanning (the entry point's own
  flow excepted: that is the opt-in), within its ``attribution_hours``.

Counted from the committed turn, as every analytics number: the scan is a ``source``
history event written in the same atomic commit as the customer's touches, so there is
no scan without its count, and what happens after a scan is attributed to the touch the
turn committed (last touch wins). Nothing is read to decide a count: scans and opt-ins
are increments, the customers of the other two are added to HyperLogLogs, where adding
one twice counts once, so concurrent processes never need to check before they count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from bot.config.reaching import EntryPointSettings
from bot.dialogue.engine import TurnResult
from bot.store.analytics import AnalyticsCounters

#: What each entry point's row holds, in order (the page's and the CSV's columns).
COLUMNS = ("scans", "conversations", "optins", "conversions")
#: The columns that are unique customers (HyperLogLogs), not counters.
UNIQUE = ("conversations", "conversions")

UniqueKey = Callable[[str, str], str]


class OfflineToOnline:
    def __init__(self, entries: Mapping[str, EntryPointSettings]) -> None:
        self.entries = dict(entries)

    # -- counting (on the message path: buffer only) -------------------------------------

    def count(self, customer_id: str, result: TurnResult, *, day: str, now: float,
              counts: Counter[str], uniques: MutableMapping[str, set[str]],
              unique_key: UniqueKey) -> None:
        if not self.entries:  # no entry point, no scan: the usual turn pays nothing more
            return
        scanned = False
        for event in result.events:
            data = event.data
            if event.kind == "source" and data.get("entry"):
                counts[f"entry:{data['entry']}:scans"] += 1
                scanned = True
            elif event.kind == "consent" and data.get("granted") and data.get("qr"):
                counts[f"entry:{data['qr']}:optins"] += 1
        touch = result.profile.last_touch
        entry = self.entries.get(touch.entry) if touch is not None else None
        if touch is None or now - touch.at > (entry.attribution_hours * 3600
                                              if entry is not None else 0):
            return
        if not scanned and any(e.kind == "inbound" for e in result.events):
            uniques[unique_key(day, f"entry:{touch.entry}:conversations")].add(customer_id)
        own = entry.flow if entry is not None else None
        if any(e.kind == "flow" and e.data.get("state") == "completed"
               and e.data.get("flow") != own for e in result.events):
            uniques[unique_key(day, f"entry:{touch.entry}:conversions")].add(customer_id)

    # -- the report ------------------------------------------------------------------------

    async def report(self, counters: AnalyticsCounters, *, days: Sequence[str],
                     totals: Mapping[str, int]) -> dict[str, Any]:
        """Every configured entry point (at 0 when nobody scanned it), any other one
        counted in the period (since removed from config.yaml), and their campaigns."""
        names = sorted(set(self.entries) | {key.split(":")[1] for key in totals
                                            if key.startswith("entry:")})
        campaigns: dict[str, list[str]] = {}
        for name in names:
            campaign = self.entries[name].campaign if name in self.entries else None
            if campaign:
                campaigns.setdefault(campaign, []).append(name)
        groups = [[name] for name in names] + list(campaigns.values())
        if not groups:
            return {"entries": [], "campaigns": []}
        unique = await counters.count_unique([
            [counters.unique_key(day, f"entry:{name}:{column}")
             for name in group for day in days]
            for group in groups for column in UNIQUE])
        rows = []
        for index, group in enumerate(groups):
            row: dict[str, Any] = {column: sum(totals.get(f"entry:{name}:{column}", 0)
                                               for name in group)
                                   for column in COLUMNS if column not in UNIQUE}
            row.update(zip(UNIQUE, unique[index * len(UNIQUE):(index + 1) * len(UNIQUE)],
                           strict=True))
            rows.append({column: int(row[column]) for column in COLUMNS})
        entries = [{"entry": name, **self._described(name), **row}
                   for name, row in zip(names, rows, strict=False)]
        by_campaign = [{"campaign": campaign, "entries": members, **row}
                       for (campaign, members), row in zip(campaigns.items(),
                                                           rows[len(names):], strict=True)]
        return {"entries": entries, "campaigns": by_campaign}

    def _described(self, name: str) -> dict[str, Any]:
        entry = self.entries.get(name)
        if entry is None:
            return {"title": name, "campaign": None, "attribution_hours": None}
        title = next(iter(entry.title.values()), name)
        return {"title": title, "campaign": entry.campaign,
                "attribution_hours": entry.attribution_hours}


def csv_rows(section: Mapping[str, Any]) -> list[list[Any]]:
    """The report's ``offline`` section as CSV rows: section, name, day, value."""
    rows: list[list[Any]] = []
    for kind, name_key in (("entries", "entry"), ("campaigns", "campaign")):
        for row in section.get(kind, []):
            for column in COLUMNS:
                rows.append([f"offline_{name_key}", f"{row[name_key]}:{column}", "all",
                             row[column]])
    return rows
