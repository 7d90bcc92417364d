"""The supervisor's tools in a real browser: export a customer's data and erase them from
the profile panel (no key of theirs is left in Redis; the conversation shows as erased),
replay dead letters (each reaches the webhook receiver exactly once), and the analytics
page's offline-to-online numbers (and its CSV's) for a scripted scan → chat → opt-in →
completed flow.
An operator sees none of the buttons."""

from __future__ import annotations

import csv
import io
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.bot.analytics.offline_journey import (
    ENTRY_POINTS,
    EXPECTED,
    EXPECTED_CAMPAIGN,
    journey_flows,
    scripted_journey,
)
from tests.bot.test_privacy import everything
from tests.bot.webhooks.conversation import polled, returns, say
from tests.e2e.browser import log_in, require_chromium
from tests.e2e.test_handoff_browser import customer_says
from tests.fakes.webhook_receiver import FakeReceiver

PASSWORD = "supervisor password 1"
SECRET = "whsec-0123456789abcdef"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

require_chromium()

from playwright.async_api import Browser, Page, expect  # noqa: E402

OPERATORS = [{"id": "sam", "name": "Sam", "role": "supervisor",
              "password_hash": hash_password(PASSWORD)},
             {"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD)}]


async def console(browser: Browser, runtime: Runtime, operator: str) -> Page:
    assert runtime.server is not None
    page = await (await browser.new_context(accept_downloads=True)).new_page()
    await log_in(page, runtime.server.url, operator, PASSWORD)
    return page


async def test_a_supervisor_exports_and_erases_a_customer(
        make_settings: Any, browser: Browser, tmp_path: Path) -> None:
    async with Runtime(make_settings(handoff={"operators": OPERATORS})) as runtime:
        assert runtime.server is not None
        customer = await (await browser.new_context()).new_page()
        await customer.goto(f"{runtime.server.url}/")
        await expect(customer.locator("#status")).to_have_attribute("data-state", "online")
        await customer_says(customer, "my order R-7781 is late")
        await customer_says(customer, "human")

        ana = await console(browser, runtime, "ana")
        await expect(ana.locator("#queue .queue-item")).to_have_count(1)
        await ana.locator("#queue .queue-item").click()
        await expect(ana.locator("#transcript")).to_contain_text("R-7781")
        await expect(ana.locator("#records-panel")).to_be_hidden()
        await expect(ana.locator("#dead-letters-open")).to_be_hidden()

        sam = await console(browser, runtime, "sam")
        await sam.locator("#queue .queue-item").click()
        await expect(sam.locator("#records-panel")).to_be_visible()
        customer_id = (await sam.evaluate("location.hash")).split("/")[-1]
        async with sam.expect_download() as downloading:
            await sam.click("#records-export")
        saved = tmp_path / "export.json"
        await (await downloading.value).save_as(saved)
        document = json.loads(saved.read_text())
        assert document["customer_id"] == customer_id
        assert "my order R-7781 is late" in [e["text"] for e in document["history"]]

        await sam.click("#records-erase")
        await expect(sam.locator("#erase-short")).to_have_text(customer_id[:6])
        await sam.fill("#erase-confirm", customer_id[:5])
        await expect(sam.locator("#erase-submit")).to_be_disabled()
        await sam.fill("#erase-confirm", customer_id[:6])
        await sam.click("#erase-submit")
        await expect(sam.locator("#conv-erased")).to_be_visible()
        await expect(sam.locator("#conv-erased")).to_contain_text(customer_id[:6])
        await expect(sam.locator("#queue .queue-item")).to_have_count(0)
        left = await everything(runtime.store.redis)
        for needle in (customer_id, "R-7781"):
            assert needle not in left, needle


async def test_replayed_dead_letters_reach_the_receiver_exactly_once(
        make_settings: Any, browser: Browser) -> None:
    async with FakeReceiver(SECRET) as receiver:
        receiver.fail_until = time.monotonic() + 3600
        settings = make_settings(
            flows={"default": "returns"}, linking={"enabled": False},
            handoff={"operators": OPERATORS},
            events={"subscriptions": [{"name": "crm", "url": receiver.url, "secret": SECRET}],
                    "backoff_initial_seconds": 0.05, "backoff_max_seconds": 0.1,
                    "retry_for_seconds": 0.3})
        async with Runtime(settings, flows=[returns]) as runtime:
            await say(runtime, "eva", 0, "hi")
            await say(runtime, "eva", 1, "A1001")
            await runtime.settle()
            events = runtime.store.events
            assert events is not None
            async def nothing_due() -> int:
                return int(await runtime.store.redis.zcard(runtime.store.keys.hooks_due))

            await polled(lambda: events.dead_letters(), lambda found: len(found) > 0)
            await polled(nothing_due, lambda due: due == 0)  # every event died by now
            letters = await events.dead_letters()
            assert len(letters) >= 5
            receiver.fail_until = 0
            sam = await console(browser, runtime, "sam")
            await sam.click("#dead-letters-open")
            rows = sam.locator("#dl-list .dl-row")
            await expect(rows).to_have_count(len(letters))
            first = rows.first
            await expect(first.locator(".dl-error")).to_have_text("HTTP 500")
            await expect(first.locator(".dl-type")).to_have_text("customer.created")
            await first.locator(".dl-replay").click()
            await expect(rows).to_have_count(len(letters) - 1)
            await receiver.wait_for(1)
            await sam.click("#dl-replay-all")
            await expect(sam.locator("#dl-status")).to_contain_text("No dead letters")
            await receiver.wait_for(len(letters))
            await sam.click("#dl-replay-all")  # nothing left: nothing sent again
            await expect(sam.locator("#toasts")).to_contain_text("0 event(s)")
            await polled(nothing_due, lambda due: due == 0)
            sent = Counter(event["id"] for event in receiver.received)
            assert set(sent) == {letter.event_id for letter in letters}
            assert set(sent.values()) == {1}, "each replayed event arrived exactly once"
            by_customer = [e["id"] for e in receiver.received]
            assert by_customer[1:] == [d.event_id for d in letters if d.event_id
                                       != by_customer[0]], "in the order they died"


async def test_offline_to_online_numbers_of_a_scripted_journey(
        make_settings: Any, browser: Browser, tmp_path: Path) -> None:
    settings = make_settings(entry_points=ENTRY_POINTS, linking={"enabled": False},
                             handoff={"operators": OPERATORS})
    async with Runtime(settings, flows=journey_flows()) as runtime:
        assert runtime.server is not None
        await scripted_journey(runtime)
        sam = await console(browser, runtime, "sam")
        await sam.goto(f"{runtime.server.url}/operator/analytics?days=7")
        table = sam.locator('#offline .offline-table[data-kind="entry"]')
        await expect(table.locator(".offline-row")).to_have_count(len(EXPECTED))
        for entry, counts in EXPECTED.items():
            row = table.locator(f'.offline-row[data-entry="{entry}"]')
            for column, value in counts.items():
                cell = row.locator(f'td[data-key="{column}"]')
                await expect(cell).to_have_attribute("data-value", str(value))
        spring = sam.locator('#offline .offline-row[data-campaign="spring"]')
        for column, value in EXPECTED_CAMPAIGN.items():
            await expect(spring.locator(f'td[data-key="{column}"]')).to_have_attribute(
                "data-value", str(value))
        async with sam.expect_download() as downloading:
            await sam.click("#csv")
        saved = tmp_path / "analytics.csv"
        await (await downloading.value).save_as(saved)
        rows = {(r["section"], r["name"]): int(r["value"])
                for r in csv.DictReader(io.StringIO(saved.read_text()))
                if r["section"].startswith("offline")}
        assert rows == {("offline_entry", f"{entry}:{column}"): value
                        for entry, counts in EXPECTED.items()
                        for column, value in counts.items()} | {
                            ("offline_campaign", f"spring:{column}"): value
                            for column, value in EXPECTED_CAMPAIGN.items()}
