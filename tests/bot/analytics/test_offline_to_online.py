"""Offline to online in the analytics report and its CSV: per entry point and per
campaign, scans, conversations started, opt-ins and conversions of a scripted journey;
an entry point nobody scanned is listed at 0."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.analytics.report import to_csv
from bot.runtime import Runtime
from tests.bot.analytics.offline_journey import (
    ENTRY_POINTS,
    EXPECTED,
    EXPECTED_CAMPAIGN,
    journey_flows,
    scripted_journey,
)

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    settings = make_settings(entry_points=ENTRY_POINTS, linking={"enabled": False})
    async with Runtime(settings, flows=journey_flows()) as rt:
        yield rt


async def test_the_report_counts_scans_conversations_optins_and_conversions(
        runtime: Runtime) -> None:
    await scripted_journey(runtime)
    report = await runtime.report(7)
    shown = {row["entry"]: {k: row[k] for k in EXPECTED["shop"]}
             for row in report["offline"]["entries"]}
    assert shown == EXPECTED
    [spring] = report["offline"]["campaigns"]
    assert spring["campaign"] == "spring" and sorted(spring["entries"]) == ["shop", "sticker"]
    assert {k: spring[k] for k in EXPECTED_CAMPAIGN} == EXPECTED_CAMPAIGN
    rows = {(r["section"], r["name"]): int(r["value"])
            for r in csv.DictReader(io.StringIO(to_csv(report)))
            if r["section"].startswith("offline")}
    for entry, counts in EXPECTED.items():
        for column, value in counts.items():
            assert rows[("offline_entry", f"{entry}:{column}")] == value
    assert rows[("offline_campaign", "spring:conversions")] == 1
