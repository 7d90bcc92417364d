"""The SMTP listener (``inbound: smtp``) and what happens when the shop's SMTP server
refuses: a refused address marks the identity unreachable; a refused login is recorded as
not delivered, naming the keys to fix."""

from __future__ import annotations

import asyncio
from typing import Any

import aiosmtplib
import pytest
from redis.asyncio import Redis

from bot.messages import Identity
from bot.runtime import Runtime
from connectors.email.connector import EmailConnector
from tests.connectors.email.conftest import email_section
from tests.connectors.email.mails import ANA, SHOP, customer_mail
from tests.connectors.email.servers import Outgoing

ANA_IDENTITY = Identity(channel="email", account=SHOP, user_id=ANA)


def listener_port(runtime: Runtime) -> int:
    connector = runtime.connectors["email"]
    assert isinstance(connector, EmailConnector) and connector.listener_port
    return connector.listener_port


async def deliver(runtime: Runtime, raw: bytes, *, to: str = SHOP) -> None:
    await aiosmtplib.send(raw, sender=ANA, recipients=[to], hostname="127.0.0.1",
                          port=listener_port(runtime), start_tls=False)


async def test_mail_routed_to_the_listener_is_answered(listener_runtime: Runtime,
                                                       outgoing: Outgoing) -> None:
    await deliver(listener_runtime, customer_mail("/ticket"))
    [ask] = await outgoing.wait_for(1)
    assert ask["In-Reply-To"] == "<m1@example.org>"
    assert "ticket number" in str(ask.get_body(("plain",)).get_content())  # type: ignore[union-attr]


async def test_the_listener_refuses_other_recipients_and_huge_mails(
        listener_runtime: Runtime, outgoing: Outgoing) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await deliver(listener_runtime, customer_mail("hi"), to="someone@else.example")
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await deliver(listener_runtime, customer_mail("hi", attachment=b"x" * 300_000))
    assert refused.value.code == 552
    # Malformed mail is accepted (redelivery cannot help) and changes nothing.
    await deliver(listener_runtime, b"Subject: no sender\r\n\r\nhello\r\n")
    await deliver(listener_runtime, customer_mail("hi", message_id="<after@example.org>"))
    await outgoing.wait_for(1)
    await listener_runtime.settle()
    assert [m["In-Reply-To"] for m in outgoing.mails] == ["<after@example.org>"]


async def test_an_address_the_smtp_server_refuses_is_marked_unreachable(
        listener_runtime: Runtime, outgoing: Outgoing) -> None:
    outgoing.refuse_rcpt = "550 5.1.1 no such user"
    await deliver(listener_runtime, customer_mail("hi"))
    store = listener_runtime.store
    customer = await store.resolve(ANA_IDENTITY)
    for _ in range(100):
        if await store.unreachable_identities(customer):
            break
        await asyncio.sleep(0.05)
    assert await store.unreachable_identities(customer) == [ANA_IDENTITY.key]


async def test_a_refused_login_is_recorded_as_not_delivered(
        make_settings: Any, redis: Redis, outgoing: Outgoing, ca_file: str) -> None:
    section = email_section(outgoing, ca_file, inbound="smtp",
                            listener={"host": "127.0.0.1", "port": 0})
    section["smtp"]["password"] = "wrong"
    async with Runtime(make_settings(connectors={"webchat": {"enabled": False},
                                                 "email": section})) as runtime:
        await deliver(runtime, customer_mail("hi"))
        customer = await runtime.store.resolve(ANA_IDENTITY)
        for _ in range(100):
            history = await runtime.store.history(customer)
            failures = [e for e in history if "smtp.username" in (e.text or "")
                        or "smtp.username" in str(e.data)]
            if failures:
                break
            await asyncio.sleep(0.05)
        assert failures and "wrong" not in str(failures[0].data), [e.text for e in history]
    assert outgoing.mails == []
