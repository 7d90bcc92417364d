"""The analytics report: counters read back from Redis and shaped for the page, the JSON
API and the CSV export. Numbers come only from the counters (never from scanning
histories), so a report costs a few commands per day, whatever the traffic."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.analytics.campaigns import campaign_csv_rows
from bot.analytics.offline import csv_rows
from bot.analytics.recorder import AnalyticsRecorder


def last_days(count: int, today: datetime | None = None) -> list[str]:
    end = (today or datetime.now(UTC)).date()
    return [(end - timedelta(days=i)).isoformat() for i in range(count - 1, -1, -1)]


async def build_report(recorder: AnalyticsRecorder, *, days: Sequence[str],
                       flows: Mapping[str, Sequence[str]],
                       step_titles: Mapping[str, Mapping[str, str]] | None = None,
                       ) -> dict[str, Any]:
    """``flows`` gives each flow's steps in order, for the funnels; ``step_titles`` what
    each flow calls them."""
    await recorder.flush()
    counters = recorder.counters
    per_day = await counters.days(days)
    totals: dict[str, int] = {}
    for counts in per_day:
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    channels = sorted({k.split(":", 1)[1] for k in totals if k.startswith(("in:", "out:"))})
    unique_key = counters.unique_key
    counted = await counters.count_unique([
        *([unique_key(day, f"cust:{channel}")] for day in days for channel in channels),
        # a union over the period: each customer once
        *([unique_key(day, f"cust:{channel}") for day in days] for channel in channels),
        [unique_key(day, "multichannel") for day in days],
        [unique_key(day, "cust") for day in days],
    ])
    customers = {c: [int(counted[d * len(channels) + i]) for d in range(len(days))]
                 for i, c in enumerate(channels)}
    unique = counted[len(days) * len(channels):-2]
    multichannel, all_customers = int(counted[-2]), int(counted[-1])
    handoff = _handoff(totals, all_customers)
    return {
        "days": list(days),
        "channels": channels,
        "messages": {
            "in": {c: [d.get(f"in:{c}", 0) for d in per_day] for c in channels},
            "out": {c: [d.get(f"out:{c}", 0) for d in per_day] for c in channels},
        },
        #: Unique customers per channel per day (a customer counts once a day).
        "customers": customers,
        #: Unique customers per channel over the whole period, and in all.
        "customers_unique": {c: int(n) for c, n in zip(channels, unique, strict=True)},
        "customers_total": all_customers,
        "multichannel": {
            "customers": multichannel,
            "paths": sorted(({"from": k[5:].split(">")[0], "to": k[5:].split(">")[1],
                              "count": v} for k, v in totals.items() if k.startswith("path:")),
                            key=lambda p: -int(p["count"])),
        },
        "funnels": [_funnel(name, steps, totals, (step_titles or {}).get(name, {}))
                    for name, steps in flows.items() if totals.get(f"flow:{name}:started")],
        #: The last day of the period (today), hour by hour (UTC).
        "hours": _hours(per_day[-1] if per_day else {}),
        "handoff": handoff,
        "satisfaction": _satisfaction(totals),
        "offline": await recorder.offline.report(counters, days=days, totals=totals),
    }


def _hours(today: Mapping[str, int]) -> list[dict[str, Any]]:
    return [{"hour": f"{h:02d}",
             "messages_in": today.get(f"hour:{h:02d}:in", 0),
             "handoffs_requested": today.get(f"hour:{h:02d}:handoff:queued", 0),
             "handoffs_taken": today.get(f"hour:{h:02d}:handoff:taken", 0)}
            for h in range(24)]


def _funnel(flow: str, steps: Sequence[str], totals: Mapping[str, int],
            titles: Mapping[str, str]) -> dict[str, Any]:
    started = totals.get(f"flow:{flow}:started", 0)
    reached = [{"step": s, "title": titles.get(s, s),
                "reached": totals.get(f"step:{flow}:{s}", 0)} for s in steps]
    return {
        "flow": flow,
        "started": started,
        #: Ended in success (a plain ``End()``, or a menu option chosen).
        "completed": totals.get(f"flow:{flow}:completed", 0),
        #: Ended by the flow's own decision, not a success (``End(outcome=...)``).
        "ended": totals.get(f"flow:{flow}:ended", 0),
        "outcomes": {k.rsplit(":", 1)[1]: v for k, v in sorted(totals.items())
                     if k.startswith(f"flow:{flow}:outcome:")},
        "abandoned": totals.get(f"flow:{flow}:abandoned", 0)
        + totals.get(f"flow:{flow}:cancelled", 0),
        # Steps nobody reached stay, at zero: that is where the funnel lost everyone.
        "steps": reached,
    }


def _handoff(totals: Mapping[str, int], customers: int) -> dict[str, Any]:
    # Every conversation that went to the queue, however it was asked for, and those a
    # supervisor took straight from the bot: a take is never counted without its request.
    requested = totals.get("handoff:queued", 0) + totals.get("handoff:direct", 0)
    waited, handled = totals.get("handoff:waited", 0), totals.get("handoff:handled", 0)
    return {
        "requested": requested,
        "taken": totals.get("handoff:taken", 0),
        "resolved": totals.get("handoff:resolve", 0),
        "reopened": totals.get("handoff:reopened", 0),
        "timed_out": totals.get("handoff:timeout", 0),
        # Service-level targets missed (``handoff.sla``): taken or timed out too late,
        # first replied to too late.
        "sla_missed_waiting": totals.get("sla_missed:waiting", 0),
        "sla_missed_first_response": totals.get("sla_missed:first_response", 0),
        "rate": round(requested / customers, 3) if customers else 0.0,
        "avg_wait_seconds": round(totals.get("handoff:wait_sum", 0) / waited, 1)
        if waited else None,
        "avg_handling_seconds": round(totals.get("handoff:handling_sum", 0) / handled, 1)
        if handled else None,
    }


def _satisfaction(totals: Mapping[str, int]) -> dict[str, Any]:
    distribution = {str(score): totals.get(f"csat:{score}", 0) for score in range(1, 6)}
    responses = sum(distribution.values())
    average = sum(int(s) * n for s, n in distribution.items()) / responses if responses else None
    return {"responses": responses, "average": round(average, 2) if average else None,
            "distribution": distribution}


def to_csv(report: Mapping[str, Any]) -> str:
    """One row per number: section, name, day (or "all"), value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "day", "value"])
    for direction in ("in", "out"):
        for channel, values in report["messages"][direction].items():
            for day, value in zip(report["days"], values, strict=True):
                writer.writerow([f"messages_{direction}", channel, day, value])
    for channel, values in report["customers"].items():
        for day, value in zip(report["days"], values, strict=True):
            writer.writerow(["customers", channel, day, value])
    writer.writerow(["customers", "all", "all", report["customers_total"]])
    writer.writerow(["multichannel", "customers", "all", report["multichannel"]["customers"]])
    for path in report["multichannel"]["paths"]:
        writer.writerow(["path", f"{path['from']}>{path['to']}", "all", path["count"]])
    for funnel in report["funnels"]:
        for key in ("started", "completed", "ended", "abandoned"):
            writer.writerow(["funnel", f"{funnel['flow']}:{key}", "all", funnel[key]])
        for step in funnel["steps"]:
            writer.writerow(["funnel", f"{funnel['flow']}:{step['step']}", "all",
                             step["reached"]])
    for hour in report.get("hours", []):
        writer.writerow(["hour", f"{hour['hour']}:messages_in", report["days"][-1],
                         hour["messages_in"]])
    for key, value in report["handoff"].items():
        writer.writerow(["handoff", key, "all", "" if value is None else value])
    for score, count in report["satisfaction"]["distribution"].items():
        writer.writerow(["satisfaction", score, "all", count])
    writer.writerows(csv_rows(report.get("offline", {})))
    writer.writerows(campaign_csv_rows(report.get("campaigns", [])))
    return out.getvalue()
