"""Campaign figures for the analytics report, its CSV and the console's Campaigns page:
each campaign's stats as ``bot.campaigns.service.Campaigns.stats`` counts them (the same
numbers the business API answers), read once per report, newest campaign first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from bot.campaigns.service import COUNTERS, Campaigns

#: The figures of one campaign's CSV rows, after its reasons.
FIGURES = ("audience", "matched", "queued", "held", *COUNTERS)

Report = Callable[[int], Awaitable[dict[str, Any]]]


async def campaign_figures(campaigns: Campaigns) -> list[dict[str, Any]]:
    """Every campaign (the store's listing bound) with its stats."""
    figures = []
    for described in await campaigns.list():
        stats = await campaigns.stats(described["id"])
        if stats is not None:
            figures.append({**described, **stats})
    return figures


def with_campaigns(report: Report, campaigns: Campaigns) -> Report:
    """``report`` with a ``campaigns`` section (campaigns are not per day: all of them)."""
    async def build(days: int) -> dict[str, Any]:
        return {**await report(days), "campaigns": await campaign_figures(campaigns)}

    return build


def campaign_csv_rows(figures: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
    """Rows ``campaign, <name> (<id>):<figure>, all, value``: the CSV's four columns, one
    row per figure and per failure or skip reason (``failed:<reason>``)."""
    rows: list[list[Any]] = []
    for campaign in figures:
        label = f"{campaign['name']} ({campaign['id']})"
        rows.append(["campaign", f"{label}:status", "all", campaign["status"]])
        rows.extend(["campaign", f"{label}:{figure}", "all", campaign.get(figure, 0)]
                    for figure in FIGURES)
        for kind in ("failed", "skipped"):
            rows.extend(["campaign", f"{label}:{kind}:{reason}", "all", count]
                        for reason, count in campaign.get(kind, {}).items())
    return rows
