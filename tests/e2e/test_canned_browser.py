"""Canned replies in a real browser: "/" in the reply box lists them, typing filters,
Enter puts the filled-in text in the box, and it is sent like any reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.e2e.test_desk_fixes_browser import a_taken_conversation
from tests.e2e.test_find_browser import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

from playwright.async_api import Browser, expect  # noqa: E402


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD)}]
    canned = [{"id": "hello", "title": "Greeting", "text": "Hi {name}, I'm {operator}."},
              {"id": "bye", "title": "Goodbye", "text": "Thanks {name}, bye!"}]
    async with Runtime(make_settings(handoff={"operators": operators,
                                              "canned_replies": canned})) as rt:
        yield rt


async def test_slash_in_the_reply_box_offers_canned_replies(runtime: Runtime,
                                                            browser: Browser) -> None:
    operator = await a_taken_conversation(runtime, browser)
    name = await operator.locator("#conv-name").inner_text()
    await operator.locator("#reply-text").press_sequentially("/")
    options = operator.locator("#canned-list .canned-item")
    await expect(options).to_have_count(2)
    await operator.locator("#reply-text").press_sequentially("bye")
    await expect(options).to_have_count(1)
    await operator.locator("#reply-text").press("Enter")  # picks, does not send
    await expect(operator.locator("#reply-text")).to_have_value(f"Thanks {name}, bye!")
    await expect(operator.locator("#canned-list")).to_be_hidden()
    await operator.locator("#reply-text").press("Enter")  # now it sends
    await expect(operator.locator("#transcript .entry.operator")).to_contain_text(
        f"Thanks {name}, bye!")
