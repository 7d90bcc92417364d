"""QR entry points over real HTTP: the landing page lists a link per enabled channel, each
carrying the signed reference; the poster is a real SVG and PNG; a customer who scans is
recorded with first- and last-touch sources (and the entry point's flow starts); a forged
reference is just a message."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import aiohttp
import pytest

from bot.reaching.entry import reference
from bot.runtime import Runtime
from tests.bot.reaching.conftest import Customer

pytestmark = pytest.mark.timeout(60)


async def secret_of(runtime: Runtime) -> bytes:
    return await runtime._link_secret(runtime.store)


async def test_the_landing_page_and_the_poster(runtime: Runtime,
                                               http: aiohttp.ClientSession) -> None:
    assert runtime.server is not None
    base = runtime.server.url
    ref = reference(await secret_of(runtime), "shop_madrid")
    async with http.get(f"{base}/qr/shop_madrid") as page:
        assert page.status == 200
        body = await page.text()
    links = set(re.findall(r'href="([^"]+)"', body))
    assert f"https://wa.me/15550001111?text={ref}" in links
    assert f"https://m.me/PAGE_ID?ref={ref}" in links
    assert f"{base}/?link={ref}" in links
    async with http.get(f"{base}/qr/shop_madrid/poster.svg") as svg:
        assert svg.status == 200 and svg.content_type == "image/svg+xml"
        poster = ET.fromstring(await svg.text())
    assert "Chat with Omnicanal Store" in "".join(poster.itertext())
    async with http.get(f"{base}/qr/shop_madrid/poster.png") as png:
        assert png.status == 200 and (await png.read()).startswith(b"\x89PNG")
    async with http.get(f"{base}/qr/nowhere") as missing:
        assert missing.status == 404


async def test_a_scan_records_first_and_last_touch_and_starts_the_flow(
        customer: Customer) -> None:
    secret = await secret_of(customer.runtime)
    await customer.on_whatsapp(reference(secret, "shop_madrid"))  # wa.me's prefilled text
    profile = await customer.profile()
    assert profile.first_touch is not None and profile.first_touch.entry == "shop_madrid"
    assert profile.first_touch.campaign == "spring"
    assert profile.consents["marketing@whatsapp"].granted  # "scan to get offers"
    await customer.on_whatsapp(f"/start {reference(secret, 'flyer')}")
    profile = await customer.profile()
    assert profile.first_touch is not None and profile.first_touch.entry == "shop_madrid"
    assert profile.last_touch is not None and profile.last_touch.entry == "flyer"
    sources = [e for e in await customer.history() if e.kind == "source"]
    assert [(e.data["entry"], e.data["first"]) for e in sources] == [
        ("shop_madrid", True), ("flyer", False)]


async def test_a_forged_reference_is_just_a_message(customer: Customer) -> None:
    await customer.on_whatsapp("qr-shop_madrid-AAAAAAAAAAAA")
    profile = await customer.profile()
    assert profile.first_touch is None and "marketing@whatsapp" not in profile.consents
