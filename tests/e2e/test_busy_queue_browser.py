"""Working a busy queue in a real browser: service-level clocks count down on the queue
and on my conversations, warn before a target is missed and mark it after; the analytics
count what was missed. A taken conversation opens with its summary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.e2e.browser import log_in, until
from tests.e2e.test_find_browser import PASSWORD, operator_console
from tests.e2e.test_handoff_browser import customer_says
from tests.fakes.openai_api import FakeOpenAI
from tests.waiting import eventually

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

from playwright.async_api import Browser, Page, expect  # noqa: E402

#: 12 seconds to take or to first reply; the console warns after 3.
SLA = {"waiting_minutes": 0.2, "first_response_minutes": 0.2, "warn_at": 0.25}


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD)}]
    async with Runtime(make_settings(handoff={"operators": operators, "sla": SLA})) as rt:
        yield rt


async def a_waiting_customer(runtime: Runtime, browser: Browser) -> Page:
    assert runtime.server is not None
    customer = await (await browser.new_context()).new_page()
    await customer.goto(f"{runtime.server.url}/")
    await expect(customer.locator("#status")).to_have_attribute("data-state", "online")
    await customer_says(customer, "human")
    return customer


async def handoff_report(runtime: Runtime) -> dict[str, Any]:
    """Today's handoff figures once the analytics have counted a first-response miss (the
    recorder flushes its counts every second)."""
    report: dict[str, Any] = {}

    async def counted() -> bool:
        assert runtime.report is not None
        report.update((await runtime.report(1))["handoff"])
        return bool(report["sla_missed_first_response"])

    await eventually(counted, 10, every=0.1)
    return report


async def test_sla_clocks_warn_before_a_target_is_missed_and_mark_it_after(
    runtime: Runtime, browser: Browser,
) -> None:
    operator = await operator_console(browser, runtime)
    await a_waiting_customer(runtime, browser)
    item = operator.locator("#queue .queue-item")
    await expect(item).to_have_count(1)
    waiting = item.locator('.sla-badge[data-target="waiting"]')
    await expect(waiting).to_contain_text("take in 0:")
    await expect(waiting).to_have_attribute("data-state", "warning", timeout=10_000)
    await expect(waiting).to_have_attribute("data-state", "missed", timeout=15_000)
    await expect(waiting).to_have_text("take target missed")

    await item.click()
    await operator.click("#take")
    await expect(operator.locator("#reply-text")).to_be_enabled()
    reply_clock = operator.locator('#mine .item .sla-badge[data-target="first_response"]')
    await expect(reply_clock).to_have_attribute("data-state", "missed")
    await operator.fill("#reply-text", "Sorry for the wait!")
    await operator.press("#reply-text", "Enter")
    await expect(operator.locator("#transcript .entry.operator")).to_contain_text("Sorry")
    await expect(reply_clock).to_have_count(0)  # replied: no clock runs any more

    report = await handoff_report(runtime)
    assert report["sla_missed_waiting"] == 1 and report["sla_missed_first_response"] == 1


async def test_a_taken_conversation_opens_with_its_summary(runtime: Runtime,
                                                         browser: Browser) -> None:
    assert runtime.server is not None
    operator = await operator_console(browser, runtime)
    customer = await (await browser.new_context()).new_page()
    await customer.goto(f"{runtime.server.url}/")
    await expect(customer.locator("#status")).to_have_attribute("data-state", "online")
    await customer_says(customer, "report")
    await expect(customer.locator("#messages")).to_contain_text("ticket number")
    await customer_says(customer, "t100")
    await expect(customer.locator("#messages")).to_contain_text("Which part")
    await customer_says(customer, "human")
    await expect(operator.locator("#queue .queue-item")).to_have_count(1)
    await operator.locator("#queue .queue-item").click()
    await operator.click("#take")
    summary = operator.locator("#conv-summary")
    await expect(summary).to_be_visible()
    await expect(summary).to_contain_text("a fault report · Ticket check")
    await expect(summary.locator(".summary-answers")).to_contain_text("TicketT100")
    await expect(summary.locator(".summary-last li")).to_have_count(3)
    await expect(summary.locator("#summary-generated")).to_be_hidden()  # not configured


#: Records what the page shows as notifications and the tones it plays, around the real
#: Notification and WebAudio of the browser.
SPY = """
window.__shown = [];
window.__tones = 0;
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) {
    super(title, options);
    window.__shown.push({ title, body: options && options.body });
  }
};
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__tones += 1;
  return start.apply(this, args);
};
"""


async def a_logged_in_console(browser: Browser, runtime: Runtime) -> Page:
    assert runtime.server is not None
    context = await browser.new_context()
    await context.grant_permissions(["notifications"], origin=runtime.server.url)
    await context.add_init_script(SPY)
    page = await context.new_page()
    await log_in(page, runtime.server.url, "ana", PASSWORD)
    return page


async def test_notifications_and_a_tone_for_new_waiting_ones_and_replies_to_mine(
    runtime: Runtime, browser: Browser,
) -> None:
    operator = await a_logged_in_console(browser, runtime)
    toggle = operator.locator("#notify-toggle")
    await expect(toggle).to_have_text("Notifications off"), "never asked on load"
    await toggle.click()
    await expect(toggle).to_have_text("Notifications on")
    await operator.locator("#notify-sound").check()
    tones = await operator.evaluate("window.__tones")
    assert tones == 1, "checking the sound plays a sample"

    customer = await a_waiting_customer(runtime, browser)
    await expect(operator.locator("#queue .queue-item")).to_have_count(1)
    await until(operator, "window.__shown.length === 1")
    shown = await operator.evaluate("window.__shown")
    assert shown[0]["title"].startswith("Waiting: ")
    assert await operator.evaluate("window.__tones") == 2

    await operator.locator("#queue .queue-item").click()
    await operator.click("#take")
    await expect(operator.locator("#reply-text")).to_be_enabled()
    await operator.goto(f"{runtime.server.url}/operator")  # reloaded: the choice is kept
    await expect(operator.locator("#notify-toggle")).to_have_text("Notifications on")
    await expect(operator.locator("#mine .item")).to_have_count(1)
    await customer_says(customer, "are you there?")
    await until(operator, "window.__shown.length === 1")  # the spy starts anew
    shown = await operator.evaluate("window.__shown")
    assert shown[0]["title"].endswith(" wrote") and shown[0]["body"] == "are you there?"
    await operator.locator("#notify-toggle").click()
    await expect(operator.locator("#notify-toggle")).to_have_text("Notifications off")


async def test_the_customer_typing_in_the_web_chat_shows_in_the_console(
    runtime: Runtime, browser: Browser,
) -> None:
    operator = await operator_console(browser, runtime)
    customer = await a_waiting_customer(runtime, browser)
    await expect(operator.locator("#queue .queue-item")).to_have_count(1)
    await operator.locator("#queue .queue-item").click()
    await operator.click("#take")
    await expect(operator.locator("#reply-text")).to_be_enabled()
    typing = operator.locator("#typing-line")
    await expect(typing).to_be_hidden()
    await customer.locator("#composer-input").press_sequentially("where is my ord")
    await expect(typing).to_be_visible()
    await expect(typing).to_contain_text("is typing…")
    await expect(typing).to_be_hidden(timeout=10_000)  # they stopped: gone after ~5 s
    await customer.locator("#composer-input").press_sequentially("er")
    await expect(typing).to_be_visible()
    await customer.click("#composer-send")
    await expect(operator.locator("#transcript .entry.customer").last).to_contain_text(
        "where is my order")
    await expect(typing).to_be_hidden(), "what they typed arrived"


async def test_the_generated_summary_shows_under_the_structured_one(
    make_settings: Any, browser: Browser,
) -> None:
    operators = [{"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD)}]
    async with FakeOpenAI() as llm:
        settings = make_settings(
            handoff={"operators": operators, "generated_summary": True},
            understanding={"provider": "openai", "openai": {
                "base_url": llm.base_url, "model": "test-model", "api_key": "sk-test"}})
        async with Runtime(settings) as rt:
            llm.answer(("write_summary", {"summary": "Wants to talk to someone."}),
                       match="Conversation:")
            operator = await operator_console(browser, rt)
            await a_waiting_customer(rt, browser)
            await operator.locator("#queue .queue-item").click()
            await operator.click("#take")
            generated = operator.locator("#conv-summary #summary-generated")
            await expect(generated).to_have_text("Wants to talk to someone.")
            await expect(operator.locator("#conv-summary .summary-last li")).not_to_have_count(0)
