"""Tests of the fake Twilio itself, over real HTTP on 127.0.0.1: it takes what Twilio takes,
refuses what Twilio refuses with Twilio's codes, fails when told to, keeps the carrier's
STOP list, and signs its webhooks so that Twilio's own validator accepts them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from twilio.request_validator import RequestValidator

from connectors.sms.api import basic_auth

from .twilio_api import ACCOUNT_SID, AUTH_TOKEN, NUMBER, FakeTwilio

pytestmark = pytest.mark.timeout(30)

CUSTOMER = "+34600111222"
KEY = ("SK" + "2" * 32, "api-key-secret")


@pytest_asyncio.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio(api_key=KEY) as fake:
        yield fake


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        yield session


async def create(http: aiohttp.ClientSession, twilio: FakeTwilio, form: dict[str, str], *,
                 auth: tuple[str, str] = (ACCOUNT_SID, AUTH_TOKEN),
                 account: str = ACCOUNT_SID) -> tuple[int, dict[str, Any], str | None]:
    url = f"{twilio.base_url}/2010-04-01/Accounts/{account}/Messages.json"
    headers = {"Authorization": basic_auth(*auth)}
    async with http.post(url, data=form, headers=headers) as response:
        return response.status, await response.json(), response.headers.get("Retry-After")


def sms(**fields: str) -> dict[str, str]:
    return {"To": CUSTOMER, "From": NUMBER, "Body": "Hello", **fields}


async def test_a_good_send_is_queued_like_twilio_answers(
        http: aiohttp.ClientSession, twilio: FakeTwilio) -> None:
    status, body, _ = await create(http, twilio, sms(
        StatusCallback="https://shop.example/webhooks/sms/status"))
    assert status == 201
    assert body["sid"].startswith("SM") and len(body["sid"]) == 34
    assert (body["status"], body["to"], body["from"]) == ("queued", CUSTOMER, NUMBER)
    [sent] = await twilio.wait_for(1, to=CUSTOMER)
    assert sent.sid == body["sid"] and sent.auth_user == ACCOUNT_SID
    status, _, _ = await create(http, twilio, sms(), auth=KEY)
    assert status == 201 and twilio.sent[-1].auth_user == KEY[0]


@pytest.mark.parametrize(("form", "code"), [
    ({"From": NUMBER, "Body": "x"}, 21604),
    (sms(To="600111222"), 21211),
    ({"To": CUSTOMER, "Body": "x"}, 21603),
    (sms(From="+15559999999"), 21606),
    (sms(From="shop"), 21212),
    (sms(Body=""), 21602),
    (sms(Body="a" * 1601), 21617),
    (sms(Body="😀" * 801), 21617),  # an emoji counts twice
    (sms(StatusCallback="https://bad_host.example/status"), 21609),
    (sms(StatusCallback="/webhooks/sms/status"), 21609),
])
async def test_what_twilio_refuses_is_refused_with_its_code(
        http: aiohttp.ClientSession, twilio: FakeTwilio, form: dict[str, str],
        code: int) -> None:
    status, body, _ = await create(http, twilio, form)
    assert (status, body["code"], body["status"]) == (400, code, 400)
    assert body["more_info"].endswith(str(code)) and body["message"]
    assert twilio.sent == [] and twilio.rejected[-1][1] == code


async def test_bad_credentials_and_another_account_are_refused(
        http: aiohttp.ClientSession, twilio: FakeTwilio) -> None:
    status, body, _ = await create(http, twilio, sms(), auth=(ACCOUNT_SID, "wrong"))
    assert (status, body["code"]) == (401, 20003)
    status, body, _ = await create(http, twilio, sms(), account="AC" + "9" * 32)
    assert (status, body["code"]) == (404, 20404)
    assert twilio.sent == []


async def test_scripted_failures_come_in_order_then_sends_succeed(
        http: aiohttp.ClientSession, twilio: FakeTwilio) -> None:
    twilio.fail_next(http_status=429, code=20429, retry_after=2)
    twilio.fail_next(http_status=500, code=20500, times=2)
    twilio.fail_next(http_status=400, code=21610)
    answers = [await create(http, twilio, sms()) for _ in range(5)]
    assert [(s, b.get("code"), r) for s, b, r in answers] == [
        (429, 20429, "2"), (500, 20500, None), (500, 20500, None), (400, 21610, None),
        (201, None, None)]


async def test_stop_blocks_sends_until_start_like_a_carrier(
        http: aiohttp.ClientSession, twilio: FakeTwilio) -> None:
    got: list[dict[str, str]] = []

    async def webhook(request: web.Request) -> web.Response:
        got.append({k: str(v) for k, v in (await request.post()).items()})
        return web.Response(text="<Response/>", content_type="text/xml")

    app = web.Application()
    app.router.add_post("/webhooks/sms", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        url = f"http://127.0.0.1:{port}/webhooks/sms"
        assert await twilio.incoming(url, sender=CUSTOMER, body=" stop ") == 200
        status, body, _ = await create(http, twilio, sms())
        assert (status, body["code"]) == (400, 21610)
        assert await twilio.incoming(url, sender=CUSTOMER, body="START") == 200
        assert (await create(http, twilio, sms()))[0] == 201
    finally:
        await runner.cleanup()
    assert [g["Body"] for g in got] == [" stop ", "START"]


async def test_its_webhooks_are_signed_as_twilio_signs(twilio: FakeTwilio) -> None:
    validator = RequestValidator(AUTH_TOKEN)
    url = "https://shop.example/webhooks/sms"
    params = twilio.incoming_params(sender=CUSTOMER, body="", media=(
        ("https://api.twilio.com/media/ME1", "image/jpeg"),))
    assert params["Body"] == "" and params["NumMedia"] == "1"
    assert params["MessageSid"].startswith("MM") and params["AccountSid"] == ACCOUNT_SID
    signature = twilio.sign(url, params)
    assert validator.validate(url, params, signature)
    assert not validator.validate(url + "x", params, signature)
    assert not validator.validate(url, {**params, "Body": "x"}, signature)
    assert not RequestValidator("another-token").validate(url, params, signature)
