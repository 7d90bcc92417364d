"""The SMS webhooks over real HTTP: only what Twilio signed for this URL and these fields
gets in (a forged, missing or replayed-elsewhere signature is a 403 and changes nothing),
behind a proxy too; a message is recorded once however often Twilio posts it."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.errors import StoreError
from bot.runtime import Runtime
from connectors.sms.connector import SmsConnector
from tests.connectors.sms.conftest import CUSTOMER, PATH, Texter, sms_section
from tests.fakes.twilio_api import FakeTwilio

pytestmark = pytest.mark.timeout(60)

PUBLIC = "https://shop.example"


async def customers(runtime: Runtime) -> int:
    """How many customers have anything stored (a session, an inbox, a history...)."""
    keys = [k async for k in runtime.store.redis.scan_iter(match="*{c:*")]
    return len({k.split(b"}")[0] for k in keys})


async def test_a_signed_message_is_answered(runtime: Runtime, phone: Texter) -> None:
    replies = await phone.says("hi")
    assert await customers(runtime) == 1
    assert replies and "1." in replies[-1]  # the menu, as a numbered list
    [inbound] = [e for e in await phone.history() if e.kind == "inbound"]
    assert inbound.text == "hi" and inbound.channel == "sms"


@pytest.mark.parametrize("forgery", ["missing", "wrong token", "another url", "tampered",
                                     "added field", "dropped field"])
async def test_a_forged_webhook_is_refused_and_changes_nothing(
        runtime: Runtime, twilio: FakeTwilio, phone: Texter, forgery: str,
        caplog: pytest.LogCaptureFixture) -> None:
    params = twilio.incoming_params(sender=CUSTOMER, body="hi")
    signed = dict(params)
    signature: str | None = None
    if forgery == "missing":
        signature = ""
    elif forgery == "wrong token":
        signature = FakeTwilio(auth_token="not-ours").sign(phone.url, params)
    elif forgery == "another url":  # a signature for another bot's webhook, replayed here
        signature = twilio.sign("https://other.example/webhooks/sms", params)
    elif forgery == "tampered":
        signature = twilio.sign(phone.url, params)
        params["Body"] = "I want a refund of 1000"
    elif forgery == "added field":
        signature = twilio.sign(phone.url, params)
        params["OptOutType"] = "STOP"
    else:
        signature = twilio.sign(phone.url, params)
        del params["Body"]
    with caplog.at_level(logging.WARNING, logger="connectors.sms.webhook"):
        status = await twilio.post_signed(phone.url, params, signature=signature)
    assert status == 403
    await runtime.settle()
    assert twilio.sent == [] and await customers(runtime) == 0
    assert signed["Body"] not in caplog.text  # nothing of the message was read into logs


async def test_a_body_that_is_not_utf8_is_refused(runtime: Runtime, twilio: FakeTwilio,
                                                  phone: Texter) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.post(
            phone.url, data=b"Body=%FF%FE&From=%2B34600111222",
            headers={"X-Twilio-Signature": "x",
                     "Content-Type": "application/x-www-form-urlencoded"}) as response:
        assert response.status == 403
    assert await customers(runtime) == 0


async def test_an_mms_with_an_empty_body_is_signed_with_it(phone: Texter) -> None:
    await phone.says("", media=(("https://api.twilio.com/m/ME1", "image/jpeg"),))
    [inbound] = [e for e in await phone.history() if e.kind == "inbound"]
    assert inbound.text == "[image]"


async def test_the_same_message_sid_twice_is_one_message(phone: Texter,
                                                         twilio: FakeTwilio) -> None:
    sid = "SM" + "5" * 32
    first = await phone.says("hi", sid=sid)
    again = await phone.says("hi", sid=sid)
    assert first and again == []
    assert len([e for e in await phone.history() if e.kind == "inbound"]) == 1


async def test_a_store_failure_is_a_503_so_nothing_is_acknowledged_and_lost(
        runtime: Runtime, twilio: FakeTwilio, phone: Texter) -> None:
    async def broken(messages: Any) -> None:
        raise StoreError("down")

    connector = runtime.connectors["sms"]
    assert isinstance(connector, SmsConnector) and connector._context is not None
    context = connector._context
    connector.webhook.bind(dataclasses.replace(context, sink=broken))
    params = twilio.incoming_params(sender=CUSTOMER, body="hi")
    assert await twilio.post_signed(phone.url, params) == 503
    connector.webhook.bind(context)
    assert await twilio.post_signed(phone.url, params) == 200
    assert len(await twilio.wait_for(1, to=CUSTOMER)) >= 1


async def test_a_signed_message_for_another_number_is_acknowledged_and_ignored(
        runtime: Runtime, twilio: FakeTwilio, phone: Texter) -> None:
    params = twilio.incoming_params(sender=CUSTOMER, body="hi", to="+15559998888")
    assert await twilio.post_signed(phone.url, params) == 200
    await runtime.settle()
    assert twilio.sent == [] and await customers(runtime) == 0


@pytest.fixture
async def proxied(make_settings: Any, twilio: FakeTwilio,
                  redis: Redis) -> AsyncIterator[Runtime]:
    """Behind a proxy: Twilio calls https://shop.example, the proxy calls us locally."""
    settings = make_settings(server={"public_url": PUBLIC},
                             connectors={"webchat": {"enabled": False},
                                         "sms": sms_section(twilio)})
    async with Runtime(settings) as rt:
        yield rt


async def test_behind_a_proxy_the_public_url_is_what_twilio_signed(
        proxied: Runtime, twilio: FakeTwilio) -> None:
    assert proxied.server is not None
    local = proxied.server.url + PATH
    params = twilio.incoming_params(sender=CUSTOMER, body="hi")
    # Signed for the address our server sees: not what Twilio called, so refused.
    assert await twilio.post_signed(local, params) == 403
    # Signed for the public address (what Twilio called), arriving through the proxy.
    signature = twilio.sign(PUBLIC + PATH, params)
    assert await twilio.post_signed(local, params, signature=signature) == 200
    # ...and with the port Twilio may add or leave out.
    again = twilio.incoming_params(sender=CUSTOMER, body="hello")
    signature = twilio.sign(PUBLIC + ":443" + PATH, again)
    assert await twilio.post_signed(local, again, signature=signature) == 200
    await proxied.settle()
    [reply, *_] = await twilio.wait_for(1, to=CUSTOMER)
    assert reply.status_callback == PUBLIC + PATH + "/status"
