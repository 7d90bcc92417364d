"""The customer's side of the web chat in a real browser (Debian's chromium): the bot
greets on open (once), the page speaks the customer's language, a person of our team is
shown by name, and after a link the conversation so far comes with the customer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.e2e.browser import log_in, require_chromium

PASSWORD = "operator password 1"
GREETING = "Hello! Test desk here. What do you need?"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

require_chromium()

from playwright.async_api import Browser, Page, expect  # noqa: E402


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "name": "Ana Ruiz", "password_hash": hash_password(PASSWORD)}]
    async with Runtime(make_settings(handoff={"operators": operators})) as rt:
        yield rt


async def open_chat(browser: Browser, url: str, locale: str = "en-US") -> Page:
    page = await (await browser.new_context(locale=locale)).new_page()
    await page.goto(url)
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    return page


async def says(page: Page, text: str) -> None:
    await page.fill("#composer-input", text)
    await page.click("#composer-send")


async def test_the_bot_greets_on_open_once_not_again_on_reload(
    runtime: Runtime, browser: Browser
) -> None:
    assert runtime.server is not None
    page = await open_chat(browser, f"{runtime.server.url}/")
    greeting = page.locator(".msg.bot .text").filter(has_text=GREETING)
    await expect(greeting).to_have_count(1)
    await expect(page.locator("button.choice", has_text="Browse the shelf")).to_be_enabled()
    assert await page.locator(".msg.user").count() == 0, "the customer said nothing"
    await page.reload()
    await expect(page.locator("#status")).to_have_attribute("data-state", "online")
    await page.wait_for_timeout(800)  # a second greeting would have come by now
    await expect(greeting).to_have_count(1)


async def test_the_page_speaks_the_browsers_language_then_the_conversations(
    runtime: Runtime, browser: Browser
) -> None:
    assert runtime.server is not None
    page = await open_chat(browser, f"{runtime.server.url}/", locale="es-ES")
    await expect(page.locator("#composer-input")).to_have_attribute(
        "placeholder", "Escribe un mensaje…")
    await expect(page.locator("#composer-send")).to_have_text("Enviar")
    await expect(page.locator("#status .status-text")).to_have_text("En línea")
    await expect(page.locator(".msg.bot")).not_to_have_count(0)  # greeted: in Spanish
    # The same visitor in an English browser: the conversation's language wins.
    stored = await page.context.storage_state()
    context = await browser.new_context(locale="en-US", storage_state=stored)
    again = await context.new_page()
    await again.goto(f"{runtime.server.url}/")
    await expect(again.locator("#status .status-text")).to_have_text("En línea")
    await expect(again.locator("#composer-send")).to_have_text("Enviar")
    # A new visitor with an English browser gets English words.
    english = await open_chat(browser, f"{runtime.server.url}/")
    await expect(english.locator("#composer-send")).to_have_text("Send")
    await expect(english.locator("#composer-input")).to_have_attribute(
        "placeholder", "Type a message…")


async def test_an_operators_message_shows_their_name_and_initial(
    runtime: Runtime, browser: Browser
) -> None:
    assert runtime.server is not None
    operator = await (await browser.new_context()).new_page()
    await log_in(operator, runtime.server.url, "ana", PASSWORD)

    customer = await open_chat(browser, f"{runtime.server.url}/")
    await says(customer, "human")
    await expect(customer.locator(".msg.bot .text").last).to_contain_text("in the queue")
    await operator.locator("#queue .queue-item").click()
    await operator.click("#take")
    await operator.fill("#reply-text", "Hi, how can I help?")
    await operator.click("#reply-send")

    written = customer.locator(".msg.bot.operator").filter(has_text="Hi, how can I help?")
    await expect(written).to_have_count(1)
    await expect(written.locator(".who-name")).to_have_text("Ana Ruiz")
    await expect(written.locator(".who-avatar")).to_have_text("A")
    # What the desk says by itself, and the bot, are not shown as written by Ana.
    joined = customer.locator(".msg.bot").filter(has_text="from our team is here")
    await expect(joined).to_have_count(1)
    assert await joined.locator(".who").count() == 0
    assert await customer.locator(".msg.bot:not(.operator) .who").count() == 0
    await customer.reload()  # kept as hers after a reload
    await expect(customer.locator(".msg.bot.operator .who-name")).to_have_text("Ana Ruiz")


async def link_code(page: Page) -> str:
    await says(page, "/link")
    reply = page.locator(".msg.bot .text").filter(has_text="code")
    await expect(reply).to_have_count(1)
    text = await reply.inner_text()
    return next(word for word in text.split() if len(word) == 9 and word[4] == "-")


async def test_after_a_link_the_conversation_so_far_comes_with_its_channels(
    runtime: Runtime, browser: Browser
) -> None:
    assert runtime.server is not None
    laptop = await open_chat(browser, f"{runtime.server.url}/")
    await says(laptop, "/ticket")
    await says(laptop, "T200")
    await expect(laptop.locator(".msg.bot .text").filter(
        has_text="waiting for a part")).to_have_count(1)
    await says(laptop, "/shelf")
    code = await link_code(laptop)

    phone = await open_chat(browser, f"{runtime.server.url}/")
    await expect(phone.locator(".msg.bot .text").filter(has_text=GREETING)).to_have_count(1)
    await says(phone, code)
    await phone.locator("button.choice", has_text="Yes").click()
    await expect(phone.locator(".msg.bot .text").filter(
        has_text="Welcome back")).to_have_count(1)
    # The laptop's shelf continues: the menu the phone was greeted with does not win.
    await expect(phone.locator(".msg.bot .text").last).to_have_text(
        "On the shelf today. Pick one:")
    earlier = phone.locator(".earlier")
    await expect(earlier.locator(".msg.user").filter(has_text="T200")).to_have_count(1)
    await expect(earlier.locator(".msg.bot").filter(
        has_text="waiting for a part")).to_have_count(1)
    await expect(earlier.locator(".channel-badge").first).to_have_text(
        "Web chat · another device")
    assert await earlier.locator(".msg.user").filter(has_text="/start").count() == 0
    await phone.reload()  # it stays
    await expect(phone.locator(".earlier .msg.user").filter(has_text="T200")).to_have_count(1)


async def test_a_second_device_joins_by_the_ready_link_and_the_first_one_knows(
    runtime: Runtime, browser: Browser
) -> None:
    assert runtime.server is not None
    laptop = await open_chat(browser, f"{runtime.server.url}/")
    await laptop.locator("button.choice", has_text="Browse the shelf").click()
    await expect(laptop.locator(".msg.bot .text").last).to_have_text(
        "On the shelf today. Pick one:")
    await says(laptop, "/link")
    offer = laptop.locator(".msg.bot .text").filter(has_text="on another device: ")
    await expect(offer).to_have_count(1)
    line = next(line for line in (await offer.inner_text()).splitlines()
                if line.startswith("the web chat, on another device: "))
    link = line.split(": ", 1)[1]
    assert link.startswith(f"{runtime.server.url}/?link="), link

    phone = await open_chat(browser, link)  # the code is sent by opening the link
    await phone.locator("button.choice", has_text="Yes, continue here").click()
    await expect(phone.locator(".msg.bot .text").last).to_have_text(
        "On the shelf today. Pick one:")
    await phone.locator("button.choice:enabled", has_text="Blue mug").click()
    await expect(phone.locator(".msg.bot .text").filter(
        has_text="Blue mug: in stock.")).to_have_count(1)

    # The laptop's shelf buttons are from before: pressing one says so, and where it is.
    await laptop.locator("button.choice", has_text="Pen").click()
    await expect(laptop.locator(".msg.bot .text").filter(
        has_text="went on on another device")).to_have_count(1)
    await expect(laptop.locator(".msg.bot .text").last).to_have_text("See another item?")
    await expect(laptop.locator(".msg.bot .text").filter(
        has_text="continuing here on the web chat")).to_have_count(0)


ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")


async def test_the_console_tells_two_web_chat_devices_of_one_customer_apart(
    runtime: Runtime, browser: Browser
) -> None:
    assert runtime.server is not None
    operator = await (await browser.new_context()).new_page()
    await log_in(operator, runtime.server.url, "ana", PASSWORD)

    laptop = await open_chat(browser, f"{runtime.server.url}/")
    code = await link_code(laptop)
    phone = await (await browser.new_context(user_agent=ANDROID)).new_page()
    await phone.goto(f"{runtime.server.url}/")
    await says(phone, code)
    await phone.locator("button.choice", has_text="Yes, continue here").click()
    await expect(phone.locator(".msg.bot .text").filter(
        has_text="Welcome back")).to_have_count(1)
    await says(phone, "human")
    await expect(phone.locator(".msg.bot .text").last).to_contain_text("in the queue")

    await operator.locator("#queue .queue-item").click()
    identities = operator.locator("#identities .identity")
    await expect(identities).to_have_count(2)
    for device in ("Chrome on Linux", "Chrome on Android"):
        await expect(identities.filter(has_text=device)).to_have_count(1)
    await expect(identities.locator(".identity-seen")).to_have_count(2)
    await expect(identities.locator(".identity-seen").first).to_contain_text("first seen")
