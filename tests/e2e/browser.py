"""Debian's chromium for the browser tests, driven by Playwright (never a downloaded one)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.waiting import eventually

CHROMIUM = "/usr/bin/chromium"
#: As root in a closed network: no sandbox, no GPU, and none of the background traffic
#: chromium would otherwise try (refused here, and slow).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def require_chromium() -> None:
    """Skip the calling test module without chromium, unless CI demands it."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("OMNICANAL_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is required for the browser tests (apt install chromium)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless, for one test."""
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        await launched.close()


async def until(page: Page, expression: str, timeout: float = 5.0) -> None:
    """Wait until ``expression`` is true in ``page``, or fail after ``timeout`` seconds.

    Not ``page.wait_for_function``: it compiles its predicate in the page with ``eval``,
    which the console's Content-Security-Policy (``script-src 'self'``) refuses now and
    then; ``page.evaluate`` goes through the debugger protocol, which the policy does not
    govern."""
    await eventually(lambda: page.evaluate(expression), timeout, every=0.05)


async def log_in(page: Page, base_url: str, operator: str, password: str) -> Page:
    """``page`` logged in to the console at ``base_url`` as ``operator``, the desk shown."""
    await page.goto(f"{base_url}/operator")
    await page.fill("#login-operator", operator)
    await page.fill("#login-password", password)
    await page.click("#login-submit")
    await expect(page.locator("#app")).to_be_visible()
    return page
