"""Finding 15.6 over a real websocket: the web chat hands the visitor's network address
to the link-code brake, so fresh visitors (a new token each) from one address share one
budget of wrong codes, and a frame cannot name another address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.runtime import Runtime
from tests.connectors.webchat.test_webchat import connect


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    async with Runtime(make_settings(linking={"attempts_per_address": 3})) as rt:
        yield rt


async def test_fresh_visitors_from_one_address_share_the_wrong_code_budget(
    runtime: Runtime,
) -> None:
    async with aiohttp.ClientSession() as http:
        replies = []
        for n, guess in enumerate(("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD")):
            browser, _ = await connect(http, runtime)  # no token: a new visitor each time
            await browser.send(type="message", id=f"g{n}", text=guess,
                               address=f"10.9.9.{n}")  # ignored: the socket's own counts
            replies.append((await browser.bot_says())["text"])
            await browser.ws.close()
    assert all(r.startswith("That code isn't valid.") for r in replies[:3]), replies
    assert replies[3].startswith("Too many wrong codes. Please wait"), replies
