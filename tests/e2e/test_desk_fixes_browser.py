"""What confused a new operator, in a real browser: the automatic "joined" line is a
system line; the hand-back menu lists flows by title; system rows fold; the transcript
opens at the newest message; the toolbar keeps one row at 1366 px and the console fits
a 420 px phone."""

from __future__ import annotations

from typing import Any

import pytest

from bot.model import Event
from bot.runtime import Runtime
from tests.e2e.browser import until
from tests.e2e.test_find_browser import operator_console, runtime
from tests.e2e.test_handoff_browser import customer_says

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

from playwright.async_api import Browser, Page, expect  # noqa: E402

__all__ = ["runtime"]  # the fixture, shared with the Find tests


async def a_taken_conversation(runtime: Runtime, browser: Browser, **viewport: Any) -> Page:
    assert runtime.server is not None
    operator = await operator_console(browser, runtime)
    if viewport:
        await operator.set_viewport_size(viewport)  # type: ignore[arg-type]
    customer = await (await browser.new_context()).new_page()
    await customer.goto(f"{runtime.server.url}/")
    await expect(customer.locator("#status")).to_have_attribute("data-state", "online")
    await customer_says(customer, "human")
    await expect(operator.locator("#queue .queue-item")).to_have_count(1)
    await operator.locator("#queue .queue-item").click()
    await operator.click("#take")
    await expect(operator.locator("#reply-text")).to_be_enabled()
    return operator


async def test_the_joined_line_menu_titles_and_folding(runtime: Runtime,
                                                       browser: Browser) -> None:
    operator = await a_taken_conversation(runtime, browser)
    joined = operator.locator("#transcript .entry.system").filter(
        has_text="Ana from our team is here to help.")
    await expect(joined).to_have_count(1)
    await expect(operator.locator("#transcript .entry.operator")).to_have_count(0)

    options = await operator.locator("#handback-flow option").all_inner_texts()
    assert "a fault report" in options and "a ticket check" in options, options
    assert "satisfaction" not in options and "contact" not in options, options

    await operator.click("#fold-system")
    await expect(joined).to_be_hidden()
    await expect(operator.locator("#transcript .entry.customer").first).to_be_visible()
    await operator.click("#fold-system")
    await expect(joined).to_be_visible()


async def test_a_long_transcript_opens_at_the_newest_message(runtime: Runtime,
                                                             browser: Browser) -> None:
    operator = await a_taken_conversation(runtime, browser)
    customer_id = (await operator.evaluate("location.hash")).split("/")[-1]
    await runtime.store.append_events(customer_id, [
        Event(kind="inbound", channel="webchat", text=f"line {i}") for i in range(80)])
    await operator.evaluate("location.hash = ''")
    await operator.reload()
    await operator.locator("#mine .item").first.click()
    await expect(operator.locator("#transcript")).to_contain_text("line 79")
    # Waits until the transcript shows its last line, or times out (fails).
    await until(operator,
                "(() => { const b = document.getElementById('transcript');"
                " return b.scrollHeight > b.clientHeight + 200"
                " && b.scrollHeight - b.scrollTop - b.clientHeight < 4; })()")


async def test_the_toolbar_keeps_one_row_at_1366_and_the_console_fits_420(
    runtime: Runtime, browser: Browser,
) -> None:
    operator = await a_taken_conversation(runtime, browser, width=1366, height=768)
    tops = await operator.locator(".actions > *:visible").evaluate_all(
        "(nodes) => nodes.map((n) => Math.round(n.getBoundingClientRect().top))")
    assert len(set(tops)) == 1, f"the toolbar wrapped: {tops}"
    head = await operator.locator(".conv-head").evaluate("(n) => n.getBoundingClientRect()")
    sizes = await operator.evaluate(
        "() => [...document.querySelectorAll('.conv-title, .conv-meta, .actions, .actions > *')]"
        ".map((n) => [n.className || n.id, n.id, Math.round(n.getBoundingClientRect().width),"
        " Math.round(n.getBoundingClientRect().height)])")
    assert head["height"] < 80, (head, sizes)

    await operator.set_viewport_size({"width": 420, "height": 860})
    wide = await operator.evaluate("document.documentElement.scrollWidth")
    assert wide <= 420, f"wider than the phone: {wide}px"
    for button in ("#resolve", "#handback", "#reply-send"):
        box = await operator.locator(button).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 420, button
