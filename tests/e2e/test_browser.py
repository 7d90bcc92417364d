"""The web chat page in a real headless browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.runtime import Runtime
from tests.e2e.browser import ARGS, CHROMIUM, require_chromium

pytestmark = pytest.mark.browser

require_chromium()

from playwright.async_api import Page, async_playwright, expect  # noqa: E402


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    async with Runtime(make_settings()) as rt:
        yield rt


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = await browser.new_context()
        page = await context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        yield page
        await browser.close()
        assert dialogs == [], "no script injected by a message may run"


async def test_press_a_choice_button_and_read_the_reply(runtime: Runtime, page: Page) -> None:
    assert runtime.server is not None
    await page.goto(f"{runtime.server.url}/")
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    # The page greets with the menu: nothing to type first.
    button = page.locator("button.choice", has_text="Browse the shelf")
    await expect(button).to_be_visible()
    await button.click()
    await expect(page.locator("button.choice", has_text="Blue mug")).to_be_visible()
    await page.locator("button.choice", has_text="Blue mug").click()
    await expect(page.locator(".msg.bot .text").filter(
        has_text="Blue mug: in stock.")).to_have_count(1)


async def test_the_conversation_survives_a_reload_and_hostile_text_stays_text(
    runtime: Runtime, page: Page
) -> None:
    assert runtime.server is not None
    await page.goto(f"{runtime.server.url}/")
    hostile = "<img src=x onerror=alert(1)>"
    await page.fill("#composer-input", "/ticket")
    await page.click("#composer-send")
    await expect(page.locator(".msg.bot .text").last).to_have_text(
        "What's your ticket number? It looks like T123.")
    await page.fill("#composer-input", hostile)
    await page.click("#composer-send")
    await expect(page.locator(".msg.bot .text").filter(has_text="three digits")).to_have_count(1)
    await expect(page.locator(".msg.user").filter(has_text=hostile)).to_have_count(1)
    assert await page.locator("#messages img").count() == 0
    await page.reload()
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    await expect(page.locator(".msg.user").filter(has_text=hostile)).to_have_count(1)
    # The same visitor, at the same step: the ticket number is still expected.
    await page.fill("#composer-input", "T300")
    await page.click("#composer-send")
    await expect(page.locator(".msg.bot .text").last).to_have_text("Ticket T300 is closed.")
