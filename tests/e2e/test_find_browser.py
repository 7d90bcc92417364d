"""The desk's Find panel in a real browser: an operator finds a past conversation by a
word the customer said, opens it from the result, resolves it after handing it back,
reopens it from the Resolved list; the customer is called by their name everywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.e2e.browser import log_in, require_chromium
from tests.e2e.test_handoff_browser import customer_says

PASSWORD = "operator password 1"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

require_chromium()

from playwright.async_api import Browser, Page, expect  # noqa: E402


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD),
                  "edit_profiles": True}]
    async with Runtime(make_settings(handoff={"operators": operators})) as rt:
        yield rt


async def operator_console(browser: Browser, runtime: Runtime) -> Page:
    assert runtime.server is not None
    page = await (await browser.new_context()).new_page()
    await log_in(page, runtime.server.url, "ana", PASSWORD)
    return page


async def test_an_operator_finds_resolves_and_reopens_a_past_conversation(
    runtime: Runtime, browser: Browser,
) -> None:
    assert runtime.server is not None
    operator = await operator_console(browser, runtime)
    customer = await (await browser.new_context()).new_page()
    await customer.goto(f"{runtime.server.url}/")
    await expect(customer.locator("#status")).to_have_attribute("data-state", "online")
    await customer_says(customer, "my umbrella order U-5521 arrived broken")
    await customer_says(customer, "human")
    await expect(operator.locator("#queue .queue-item")).to_have_count(1)
    await operator.locator("#queue .queue-item").click()
    await operator.click("#take")
    await expect(operator.locator("#reply-text")).to_be_enabled()
    await operator.click("#handback")
    await expect(operator.locator("#conv-mode")).to_have_attribute("data-mode", "bot")
    await operator.click("#resolve")
    await operator.click("#resolve")  # the second click confirms
    await expect(operator.locator("#toasts")).to_contain_text("Conversation resolved.")
    await operator.evaluate("location.hash = ''")

    await operator.fill("#find-q", "U-5521")
    await operator.click("#find-go")
    found = operator.locator("#find-results .find-item")
    await expect(found).to_have_count(1)
    await expect(found).to_contain_text("umbrella order U-5521")
    await found.click()
    await expect(operator.locator("#conv-mode")).to_have_attribute("data-mode", "bot")
    name = await operator.locator("#conv-name").inner_text()
    assert name != "Customer" and name == await found.locator(".item-name").inner_text()

    await operator.click("#find-resolved")
    await expect(operator.locator("#find-results .find-item")).to_have_count(1)
    await operator.click("#reopen")
    await expect(operator.locator("#conv-mode")).to_have_attribute("data-mode", "human")
    await expect(operator.locator("#reply-text")).to_be_enabled()


async def test_an_operator_with_write_rights_names_the_customer_everywhere(
    runtime: Runtime, browser: Browser,
) -> None:
    assert runtime.server is not None
    operator = await operator_console(browser, runtime)
    customer = await (await browser.new_context()).new_page()
    await customer.goto(f"{runtime.server.url}/")
    await expect(customer.locator("#status")).to_have_attribute("data-state", "online")
    await customer_says(customer, "human")
    item = operator.locator("#queue .queue-item")
    await expect(item).to_have_count(1)
    await expect(item.locator(".unread-badge")).to_have_text("1"), "not opened yet"
    short = (await item.locator(".item-name").inner_text()).strip()
    assert short.startswith("Customer ") and len(short) == len("Customer ") + 6, short
    await item.click()
    await expect(operator.locator("#conv-name")).to_have_text(short)
    await expect(operator.locator(".profile-name")).to_have_text(short)

    await operator.click("#profile-edit")
    await operator.fill("#edit-name", "Marta Ruiz")
    await operator.fill("#edit-tags", "vip, returns")
    await operator.click("#edit-save")
    await expect(operator.locator("#conv-name")).to_have_text("Marta Ruiz")
    await expect(operator.locator(".profile-name")).to_have_text("Marta Ruiz")
    await expect(item.locator(".item-name")).to_have_text("Marta Ruiz")
    await expect(operator.locator("#transcript")).to_contain_text("name — → Marta Ruiz")
