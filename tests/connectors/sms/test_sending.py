"""Sending SMS through the fake Twilio over real HTTP: the form Twilio expects, long texts
as several messages, no second copy on a retry, Twilio's errors as typed errors, and the
status callbacks recorded in the customer's history."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

from bot.channels import SendContext
from bot.errors import AuthenticationFailed, RateLimited, TransientError, Unreachable
from bot.messages import Choice, Choices, Text
from bot.runtime import Runtime
from connectors.sms.connector import SmsConnector
from connectors.sms.segments import segment_count
from tests.connectors.sms.conftest import CUSTOMER, PATH, Texter, sms_section
from tests.fakes.twilio_api import ACCOUNT_SID, NUMBER, FakeTwilio

pytestmark = pytest.mark.timeout(60)


def connector_of(runtime: Runtime) -> SmsConnector:
    connector = runtime.connectors["sms"]
    assert isinstance(connector, SmsConnector)
    return connector


async def test_a_reply_is_the_form_twilio_expects(runtime: Runtime, phone: Texter,
                                                  twilio: FakeTwilio) -> None:
    await phone.says("hi")
    sent = phone.last()
    assert runtime.server is not None
    assert sent.form["From"] == NUMBER and sent.to == CUSTOMER
    assert sent.status_callback == runtime.server.url + PATH + "/status"
    assert sent.auth_user == ACCOUNT_SID and twilio.rejected == []


async def test_choices_are_a_numbered_list_and_a_number_picks_one(
        runtime: Runtime, phone: Texter) -> None:
    connector = connector_of(runtime)
    question = Choices(text="Which size?", choices=(Choice(payload="s", title="Small"),
                                                    Choice(payload="l", title="Large")))
    from bot.channels.render import render

    [rendered] = render(question, connector.capabilities)
    assert isinstance(rendered, Text) and rendered.text == "Which size?\n\n1. Small\n2. Large"
    menu = (await phone.says("hi"))[-1]
    line = next(line for line in menu.splitlines() if "Report a fault" in line)
    number = line.split(".", 1)[0]
    assert "ticket number" in (await phone.says(number))[-1]


async def test_a_long_text_goes_as_several_messages_sent_once(
        runtime: Runtime, twilio: FakeTwilio) -> None:
    connector = connector_of(runtime)
    text = " ".join(f"línea{i}" for i in range(500))  # 'í': UCS-2, 67 units a segment
    context = SendContext.known(None)
    receipt = await connector.send(connector_identity(), Text(text=text), key="c.d.0",
                                   context=context)
    pieces = twilio.to(CUSTOMER)
    assert len(pieces) > 1 and receipt.platform_message_id == pieces[-1].sid
    assert all(segment_count(p.body) <= 10 for p in pieces)
    assert " ".join(p.body for p in pieces) == text
    # A retry of the same delivery (the same key) after a crash sends nothing again.
    again = await connector.send(connector_identity(), Text(text=text), key="c.d.0",
                                 context=context)
    assert len(twilio.to(CUSTOMER)) == len(pieces) and again == receipt


def connector_identity() -> Any:
    from bot.messages import Identity

    return Identity(channel="sms", account=NUMBER, user_id=CUSTOMER)


@pytest.mark.parametrize(("status", "code", "error"), [
    (429, 20429, RateLimited), (400, 21610, Unreachable), (400, 21211, Unreachable),
    (500, 20500, TransientError), (503, 20503, TransientError),
    (401, 20003, AuthenticationFailed)])
async def test_twilio_errors_are_typed(runtime: Runtime, twilio: FakeTwilio, status: int,
                                       code: int, error: type[Exception]) -> None:
    twilio.fail_next(http_status=status, code=code, retry_after=3 if status == 429 else None)
    with pytest.raises(error) as raised:
        await connector_of(runtime).send(connector_identity(), Text(text="x"), key="k",
                                         context=SendContext.known(None))
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 3
    assert "twilio-auth-token" not in str(raised.value)


async def test_a_rate_limit_and_a_5xx_are_retried_and_sent_once(
        phone: Texter, twilio: FakeTwilio) -> None:
    twilio.fail_next(http_status=429, code=20429, retry_after=0.05)
    twilio.fail_next(http_status=500, code=20500)
    replies = await phone.says("hi")
    assert len(replies) == 1 and [c for _, c in twilio.rejected] == [20429, 20500]


async def test_an_unsubscribed_number_is_marked_unreachable(
        runtime: Runtime, phone: Texter, twilio: FakeTwilio) -> None:
    twilio.fail_next(http_status=400, code=21610)
    assert await phone.says("hi") == []
    history = await phone.history()
    assert any("not delivered" in (e.text or "") for e in history), [
        (e.kind, e.text) for e in history]
    customer = await phone.customer()
    assert phone.identity().key in await runtime.store.unreachable_identities(customer)


async def test_status_callbacks_are_recorded_in_the_history(
        runtime: Runtime, phone: Texter, twilio: FakeTwilio) -> None:
    await phone.says("hi")
    sent = phone.last()
    for status in ("sent", "delivered"):
        assert await twilio.status(sent, status) == 200
    assert await twilio.status(sent, "undelivered", error_code=30003) == 200
    forged = {"MessageSid": sent.sid, "MessageStatus": "read", "To": CUSTOMER,
              "From": NUMBER, "AccountSid": ACCOUNT_SID}
    assert sent.status_callback is not None
    assert await twilio.post_signed(sent.status_callback, forged, signature="bad") == 403
    deliveries = [e for e in await phone.history() if e.kind == "delivery"]
    assert [(e.data["platform_message_id"], e.text) for e in deliveries] == [
        (sent.sid, "sent"), (sent.sid, "delivered"), (sent.sid, "undelivered")]
    assert deliveries[-1].data["error"] == "30003"


async def test_an_api_key_authenticates_the_sends(make_settings: Any, redis: Redis) -> None:
    key = ("SK" + "2" * 32, "api-key-secret")
    async with FakeTwilio(api_key=key) as twilio:
        section = sms_section(twilio, api_key_sid=key[0], api_key_secret=key[1])
        settings = make_settings(connectors={"webchat": {"enabled": False}, "sms": section})
        async with Runtime(settings) as runtime:
            await Texter(runtime, twilio).says("hi")
            assert twilio.sent and twilio.sent[-1].auth_user == key[0]
