"""The demo reaching its customers, over the web chat of a real runtime: the shop's QR
code opens the offers opt-in, and the consent records the poster it came through; BAJA
then stops the offers with one confirmation."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from bot.messages import Identity
from bot.reaching.entry import reference
from bot.runtime import Runtime
from tests.connectors.webchat.test_webchat import connect

pytestmark = pytest.mark.timeout(60)


async def test_the_shop_poster_opens_the_offers_opt_in(make_settings: Any) -> None:
    settings = make_settings(flows={"modules": ["flows.store_assistant"], "default": "menu"},
                             entry_points={"shop": {"flow": "offers", "campaign": "spring"}})
    async with Runtime(settings) as runtime, aiohttp.ClientSession() as http:
        browser, welcome = await connect(http, runtime)
        ref = reference(await runtime._link_secret(runtime.store), "shop")
        await browser.send(type="message", id="c1", text=ref)  # the /?link= of the poster
        question = await browser.bot_says()
        assert "receive our offers" in question["text"]
        [yes] = [c for c in question["choices"] if c["payload"] == "yes"]
        await browser.send(type="choice", id="c2", payload="yes", title=yes["title"])
        assert "You're in" in (await browser.bot_says())["text"]
        customer = await runtime.store.resolve(
            Identity(channel="webchat", user_id=welcome["visitor"]))
        await runtime.settle()
        _, profile = await runtime.store.load(customer)
        consent = profile.consents["marketing@webchat"]
        assert consent.granted and consent.qr == "shop" and consent.campaign == "spring"
        await browser.send(type="message", id="c3", text="BAJA")
        assert "won't get any more offers" in (await browser.bot_says())["text"]
