"""The Campaigns page in a real browser: a supervisor fills the form, sees the audience
estimate and each channel's preview (buttons on WhatsApp, numbered options on SMS),
creates the campaign and watches its progress reach "finished" with the sent count the
fake Graph server received, then the analytics page's Campaigns card with the same figures.
Pause, resume and cancel from the list move a scheduled campaign, which sends nothing.
An operator sees no Campaigns button."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

from bot.runtime import Runtime
from tests.bot.reaching.conftest import (
    ENTRY_POINTS,
    TEMPLATES,
    WA_ID,
    Customer,
    api_section,
    channel_sections,
)
from tests.e2e.browser import browser
from tests.e2e.test_supervision_browser import OPERATORS, console
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import FakeTwilio

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

from playwright.async_api import Browser, expect  # noqa: E402

__all__ = ["browser"]  # the fixture, found by name


@pytest.fixture
def settings(make_settings: Any, graph: FakeGraphAPI, twilio: FakeTwilio,
             redis: Redis) -> Any:
    return make_settings(connectors=channel_sections(graph, twilio), api=api_section(),
                         notifications={"templates": TEMPLATES}, entry_points=ENTRY_POINTS,
                         handoff={"operators": OPERATORS},
                         campaigns={"poll_seconds": 0.05})


def campaign_sends(graph: FakeGraphAPI) -> list[Any]:
    return [c for c in graph.whatsapp_sent if c.json.get("to") == WA_ID
            and c.json["type"] == "interactive"
            and "Autumn" in c.json["interactive"]["body"]["text"]]


async def test_a_supervisor_creates_previews_and_follows_a_campaign_to_finished(
        runtime: Runtime, customer: Customer, graph: FakeGraphAPI, browser: Browser) -> None:
    await customer.on_whatsapp("/optin")
    await runtime.settle()
    ana = await console(browser, runtime, "ana")
    await expect(ana.locator("#campaigns-open")).to_be_hidden()

    page = await console(browser, runtime, "sam")
    await page.click("#campaigns-open")
    await expect(page.locator("#cp-empty")).to_be_visible()
    await expect(page.locator(".cp-choice-flow >> nth=0").locator("option")).not_to_have_count(0)
    await page.fill("#cp-name", "Autumn offers")
    await page.fill("#cp-text-1", "Autumn offers: 30% off.")
    await page.fill(".cp-choice-title >> nth=0", "Shop now")
    await page.select_option(".cp-choice-flow >> nth=0", "optin")
    await page.fill(".cp-choice-title >> nth=1", "Not now")
    await page.click("#cp-estimate")
    await expect(page.locator("#cp-estimate-result")).to_have_text("Reaches 1 of 1 matched")

    await page.click("#cp-preview")
    english = page.locator('.cp-preview-locale[data-locale="en"]')
    whatsapp = english.locator('.cp-preview[data-channel="whatsapp"]')
    await expect(whatsapp.locator(".cp-preview-button")).to_have_text(["Shop now", "Not now"])
    sms = english.locator('.cp-preview[data-channel="sms"]')
    await expect(sms.locator(".cp-preview-text")).to_have_text(
        "Autumn offers: 30% off.\n\n1. Shop now\n2. Not now")
    await expect(sms.locator(".cp-preview-button")).to_have_count(0)

    await page.click("#cp-create")
    row = page.locator(".cp-row")
    await expect(row.locator(".cp-status")).to_have_text("finished", timeout=20_000)
    await runtime.settle()
    sends = campaign_sends(graph)
    assert len(sends) == 1
    await expect(row.locator(".cp-sent")).to_have_text(str(len(sends)))
    await expect(row.locator(".cp-audience")).to_have_text("1")
    await expect(row.locator(".cp-actions button")).to_have_count(0)  # finished: no moves

    assert runtime.server is not None  # the analytics page's card shows the same figures
    await page.goto(f"{runtime.server.url}/operator/analytics")
    card = page.locator("#campaign-stats .campaign-row")
    await expect(card.locator('td[data-key="sent"]')).to_have_text("1")
    await expect(card.locator('td[data-key="audience"]')).to_have_text("1")


async def test_a_supervisor_pauses_resumes_and_cancels_a_scheduled_campaign(
        runtime: Runtime, customer: Customer, graph: FakeGraphAPI, browser: Browser) -> None:
    await customer.on_whatsapp("/optin")
    await runtime.settle()
    page = await console(browser, runtime, "sam")
    await page.click("#campaigns-open")
    await page.fill("#cp-name", "Autumn later")
    await page.fill("#cp-text-1", "Autumn offers, later.")
    await page.fill("#cp-start", "2099-01-01T09:00")
    await page.click("#cp-create")
    row = page.locator(".cp-row")
    await expect(row.locator(".cp-status")).to_have_text("scheduled")
    for action, status in (("pause", "paused"), ("resume", "running"),
                           ("cancel", "cancelled")):
        await row.locator(f".cp-{action}").click()
        await expect(row.locator(".cp-status")).to_have_text(status)
    await expect(row.locator(".cp-actions button")).to_have_count(0)
    await runtime.settle()
    assert not campaign_sends(graph) and not [
        c for c in graph.whatsapp_sent if "later" in str(c.json)]
