"""The Campaigns form in a real browser, with every condition the API takes: a supervisor
builds a campaign for customers whose first name is Lucía and who started the
``remindme`` flow and did not finish it, sees the estimate follow the conditions as they
are set (no button pressed), schedules it, and it reaches exactly the one customer it
should over the fake Graph server. A form the server refuses shows each message next to
the field it names; the preview says what each windowed channel does outside its window.
Paused from the list while its message waits in an inbox, a campaign holds it ("1 held
until resumed") and sends it once on resume.
"""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, Page, expect

from bot.campaigns.setup import campaign_store
from bot.runtime import Runtime
from bot.store.campaigns import CampaignStore
from tests.bot.reaching.conftest import Customer
from tests.bot.reaching.test_campaign_pause import Gate, runtime
from tests.bot.reaching.test_campaigns_browser import browser, settings
from tests.connectors.meta.conftest import WA_PATH
from tests.e2e.browser import until
from tests.e2e.test_supervision_browser import console
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.waiting import eventually

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
#: The fixtures, found by name (``runtime``: with a flow whose turn the test holds open).
__all__ = ["browser", "runtime", "settings"]

#: Started the flow at least this long ago (0.36 s): the customers below started it before.
HOURS = "0.0001"
TEXT = "Lucía, your mug is waiting: 10% off today."


async def writes(customer: Customer, wa_id: str, name: str, *texts: str) -> None:
    for text in texts:
        customer.graph.customer_wrote(wa_id)
        assert await customer.meta.whatsapp(
            hooks.whatsapp_text(wa_id=wa_id, text=text, name=name)) == 200


def campaign_sends(graph: FakeGraphAPI) -> dict[str, int]:
    found: dict[str, int] = {}
    for call in graph.whatsapp_sent:
        if TEXT in str(call.json):
            found[str(call.json["to"])] = found.get(str(call.json["to"]), 0) + 1
    return found


async def estimate_says(page: Page, text: str) -> None:
    await expect(page.locator("#cp-estimate-result")).to_have_text(text)


async def test_a_campaign_for_a_profile_field_and_an_unfinished_flow_reaches_exactly_them(
        runtime: Runtime, customer: Customer, graph: FakeGraphAPI, browser: Browser) -> None:
    await writes(customer, "34600000001", "Lucía Gómez", "/optin", "/remindme")  # the one
    await writes(customer, "34600000002", "Lucía Pérez", "/optin")            # no flow
    await writes(customer, "34600000003", "Pedro Ruiz", "/optin", "/remindme")  # not Lucía
    await writes(customer, "34600000004", "Lucía Sanz", "/remindme")          # no consent
    await runtime.settle()
    await asyncio.sleep(0.4)  # the flows were started longer ago than HOURS

    page = await console(browser, runtime, "sam")
    await page.click("#campaigns-open")
    await until(page, "document.querySelectorAll('.cp-profile-field option').length > 2")
    await page.fill("#cp-name", "Mug reminder")
    await page.fill("#cp-text-1", TEXT)
    await page.select_option(".cp-profile-field >> nth=0", "first_name")
    await page.fill(".cp-profile-value >> nth=0", "Lucía")
    await estimate_says(page, "Reaches 2 of 3 matched (skipped: 1 no consent)")
    await page.fill("#cp-unfinished-hours", HOURS)
    await page.select_option("#cp-unfinished-flow", "remindme")
    await estimate_says(page, "Reaches 1 of 2 matched (skipped: 1 no consent)")

    await page.click("#cp-create")
    row = page.locator(".cp-row")
    await expect(row.locator(".cp-status")).to_have_text("finished", timeout=20_000)
    await expect(row.locator(".cp-sent")).to_have_text("1")
    await runtime.settle()
    assert campaign_sends(graph) == {"34600000001": 1}


async def test_errors_show_next_to_their_fields_and_the_preview_says_outside_the_window(
        runtime: Runtime, customer: Customer, browser: Browser) -> None:
    await writes(customer, "34600000001", "Lucía Gómez", "/optin")
    await runtime.settle()
    page = await console(browser, runtime, "sam")
    await page.click("#campaigns-open")
    await until(page, "document.querySelectorAll('.cp-template').length === 1")
    await page.fill("#cp-name", "Autumn")
    await page.fill("#cp-text-1", "Autumn offers, {first_name}.")
    await page.select_option("#cp-policy", "ordered")
    await page.fill("#cp-quiet-start", "21:00")
    await page.fill('.cp-template[data-channel="whatsapp"] .cp-template-name', "autumn_sale")
    await page.fill('.cp-template[data-channel="whatsapp"] .cp-template-languages', "en")
    await page.click("#cp-preview")  # found by the form itself: no request
    languages = page.locator('[data-error-for="templates.whatsapp.languages"]')
    await expect(languages).to_contain_text("locale=code")

    await page.fill('.cp-template[data-channel="whatsapp"] .cp-template-languages', "en=en_US")
    await page.click("#cp-preview")  # the server's refusal, each next to its field
    await expect(page.locator('[data-field="channel_order"] .cp-error')).to_contain_text(
        "needs channel_order")
    await expect(page.locator('[data-field="quiet_hours"] .cp-error')).to_contain_text(
        "Field required")
    await expect(languages).to_have_count(0)

    await page.fill("#cp-order", "whatsapp, sms")
    await page.fill("#cp-quiet-end", "09:00")
    await page.click("#cp-preview")
    await expect(page.locator("#cp-form .cp-error")).to_have_count(0)
    english = page.locator('.cp-preview-locale[data-locale="en"]')
    await expect(english.locator('.cp-preview[data-channel="whatsapp"] .cp-preview-outside')
                 ).to_have_text("Outside its window: the approved template autumn_sale (en_US)")
    await expect(english.locator('.cp-preview[data-channel="messenger"] .cp-preview-outside')
                 ).to_contain_text("nothing: messenger takes no campaign after 24 hours")
    await expect(english.locator('.cp-preview[data-channel="sms"] .cp-preview-outside')
                 ).to_have_count(0)

    await page.fill("#cp-unfinished-hours", "-1")
    await page.select_option("#cp-unfinished-flow", "remindme")  # the estimate is refused
    await expect(page.locator('[data-field="segment.unfinished_flow"] .cp-error')
                 ).to_contain_text("greater than 0")


async def test_pausing_from_the_list_holds_the_queued_message_and_resume_sends_it_once(
        runtime: Runtime, customer: Customer, graph: FakeGraphAPI, browser: Browser) -> None:
    await writes(customer, "34600000001", "Lucía Gómez", "/optin")
    await runtime.settle()
    customer.graph.customer_wrote("34600000001")
    assert await customer.meta.post(WA_PATH, hooks.whatsapp_text(
        wa_id="34600000001", text="/slow"), settle=False) == 200  # its turn is held open
    page = await console(browser, runtime, "sam")
    await page.click("#campaigns-open")
    await page.fill("#cp-name", "Mug reminder")
    await page.fill("#cp-text-1", TEXT)
    await page.click("#cp-create")
    row = page.locator(".cp-row")
    await expect(row.locator(".cp-status")).to_have_text("running")
    store = campaign_store(runtime.store)
    [campaign_id] = await store.ids()
    await eventually(lambda: queue_empty(store, campaign_id), 10)  # in the inbox now
    await row.locator(".cp-pause").click()
    await expect(row.locator(".cp-status")).to_have_text("paused")
    assert Gate.opened is not None
    Gate.opened.set()  # the held-open turn ends; the campaign's message has its turn
    await expect(row.locator(".cp-failed")).to_have_text("1 held until resumed")
    await runtime.settle()
    assert campaign_sends(graph) == {}
    await row.locator(".cp-resume").click()
    await expect(row.locator(".cp-status")).to_have_text("finished", timeout=20_000)
    await expect(row.locator(".cp-sent")).to_have_text("1")
    await runtime.settle()
    assert campaign_sends(graph) == {"34600000001": 1}


async def queue_empty(store: CampaignStore, campaign_id: str) -> bool:
    return await store.remaining(campaign_id) == 0
