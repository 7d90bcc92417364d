"""Handoff in two real browsers: a customer in the web chat asks for a person; an operator
logs in to the console, takes the conversation, replies; the customer's next messages
reach the operator, not the bot; the operator hands back and the bot resumes where the
flow stood."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.e2e.browser import log_in, require_chromium

PASSWORD = "operator password 1"
ASK = "Let's report a fault. What's the ticket number? (like T100)"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

require_chromium()

from playwright.async_api import Browser, Page, expect  # noqa: E402


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD)}]
    async with Runtime(make_settings(handoff={"operators": operators})) as rt:
        yield rt


async def new_page(browser: Browser, dialogs: list[str]) -> Page:
    page = await (await browser.new_context()).new_page()
    page.on("dialog", lambda d: dialogs.append(d.message))
    return page


async def customer_says(page: Page, text: str) -> None:
    await page.fill("#composer-input", text)
    await page.click("#composer-send")


async def test_a_person_takes_over_from_the_web_chat_and_hands_back(
    runtime: Runtime, browser: Browser
) -> None:
    assert runtime.server is not None
    dialogs: list[str] = []
    operator = await new_page(browser, dialogs)
    await log_in(operator, runtime.server.url, "ana", PASSWORD)

    customer = await new_page(browser, dialogs)
    await customer.goto(f"{runtime.server.url}/")
    await expect(customer.locator("#status")).to_have_attribute("data-state", "online")
    await customer_says(customer, "/report")
    await expect(customer.locator(".msg.bot .text").last).to_have_text(ASK)
    await customer_says(customer, "human")
    await expect(customer.locator(".msg.bot .text").last).to_contain_text(
        "You're number 1 in the queue")

    item = operator.locator("#queue .queue-item")  # arrives live
    await expect(item).to_have_count(1)
    await item.click()
    transcript = operator.locator("#transcript")
    await expect(transcript.locator(".entry.customer").filter(has_text="/report")).to_have_count(1)
    await expect(transcript.locator(".channel-badge").first).to_contain_text("webchat")
    await operator.click("#take")
    await expect(customer.locator(".msg.bot .text").last).to_contain_text(
        "Ana from our team is here to help.")
    await operator.fill("#reply-text", "Hi, I'm Ana. Which ticket is it?")
    await operator.click("#reply-send")
    await expect(customer.locator(".msg.bot .text").last).to_contain_text("I'm Ana")

    await customer_says(customer, "It's T100, the cable")
    await expect(transcript.locator(".entry.customer").filter(
        has_text="It's T100, the cable")).to_have_count(1)
    await expect(customer.locator(".msg.bot .text").last).to_contain_text("I'm Ana"), (
        "the bot said nothing")

    await operator.click("#handback")
    await expect(customer.locator(".msg.bot .text").last).to_have_text(ASK)
    await expect(customer.locator(".msg.bot .text").filter(
        has_text="You're back with the assistant.")).to_have_count(1)
    await customer_says(customer, "T100")
    await expect(customer.locator(".msg.bot .text").last).to_have_text("Which part is faulty?")
    assert dialogs == []
