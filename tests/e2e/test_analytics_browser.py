"""The analytics page in a real browser, after scripted traffic on two channels: the
charts' numbers are the JSON's numbers."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.handoff.passwords import hash_password
from bot.messages import Identity, Inbound
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.e2e.browser import log_in, require_chromium

PASSWORD = "supervisor password"

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

require_chromium()

from playwright.async_api import Browser, expect  # noqa: E402

_ids = itertools.count()


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    operators = [{"id": "sam", "role": "supervisor", "password_hash": hash_password(PASSWORD)}]
    channels = [CollectingConnector(channel="telegram"), CollectingConnector(channel="webchat")]
    async with Runtime(make_settings(handoff={"operators": operators}),
                       connectors=channels) as rt:
        yield rt


async def traffic(runtime: Runtime) -> None:
    async def say(identity: Identity, text: str) -> None:
        await runtime.pipeline.submit([Inbound(identity=identity, message_id=f"t{next(_ids)}",
                                               text=text)])
        await runtime.settle()

    for n in range(3):
        tg = Identity(channel="telegram", user_id=f"tg{n}")
        await say(tg, "/report")
        await say(tg, "T100")
    web = Identity(channel="webchat", user_id="w1")
    await runtime.store.assign_identity(web, await runtime.store.resolve(
        Identity(channel="telegram", user_id="tg0")))
    await say(web, "1")  # tg0 continues on the web chat: a path between channels
    await say(Identity(channel="webchat", user_id="w2"), "/shelf")


async def test_the_analytics_charts_show_the_report_numbers(runtime: Runtime,
                                                             browser: Browser) -> None:
    await traffic(runtime)
    assert runtime.server is not None and runtime.analytics is not None
    await runtime.analytics.flush()
    page = await browser.new_page()
    await log_in(page, runtime.server.url, "sam", PASSWORD)
    await page.goto(f"{runtime.server.url}/operator/analytics?days=7")
    await page.locator("#chart-messages rect.bar").first.wait_for(state="attached")
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with aiohttp.ClientSession(cookies=cookies) as http, http.get(
            f"{runtime.server.url}/operator/api/analytics?days=7") as response:
        report = await response.json()
    bars = page.locator("#chart-messages rect.bar")
    shown = {}
    for i in range(await bars.count()):
        bar = bars.nth(i)
        key = (await bar.get_attribute("data-channel"), await bar.get_attribute("data-day"))
        shown[key] = int(await bar.get_attribute("data-value") or 0)
    for channel, values in report["messages"]["in"].items():
        for day, value in zip(report["days"], values, strict=True):
            assert shown.get((channel, day), 0) == value
    assert sum(report["messages"]["in"]["telegram"]) == 6
    path = page.locator("#multichannel .path")
    await expect(path).to_have_count(1)
    assert await path.get_attribute("data-from") == "telegram"
    assert await path.get_attribute("data-count") == "1"
    shown_funnel = page.locator('#funnels .funnel[data-flow="report"]')
    started = shown_funnel.locator('.funnel-step[data-step="started"]')
    assert await started.get_attribute("data-value") == "3"
    [funnel] = [f for f in report["funnels"] if f["flow"] == "report"]
    assert [s["step"] for s in funnel["steps"]][:3] == ["ask_ticket", "check", "ask_problem"]
    for step in funnel["steps"]:
        row = shown_funnel.locator(f'.funnel-step[data-step="{step["step"]}"]').first
        assert await row.get_attribute("data-value") == str(step["reached"])
    label = shown_funnel.locator('.funnel-step[data-step="ask_ticket"] .funnel-label')
    await expect(label).to_have_text("Ticket number"), "steps by the titles flows declare"
    await expect(shown_funnel.locator('.funnel-step[data-step="ended"]')).to_have_count(1)
    hours = page.locator("#hours .hour")
    await expect(hours).to_have_count(24)
    shown_today = sum([int(await h.get_attribute("data-messages") or 0)
                       for h in await hours.all()])
    assert shown_today == sum(h["messages_in"] for h in report["hours"]) > 0
