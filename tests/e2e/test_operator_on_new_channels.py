"""An operator answers customers on the new channels from the console: a reply typed in
the console reaches an SMS customer through Twilio and an e-mail customer as a mail in
their thread, and both show in the transcript with their channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.handoff.passwords import hash_password
from bot.messages import Identity
from bot.runtime import Runtime
from tests.bot.operator.console import PASSWORD, Console
from tests.connectors.email.conftest import Mailbox, email_section, imap_section
from tests.connectors.email.mails import ANA, SHOP, customer_mail
from tests.connectors.email.servers import Outgoing
from tests.connectors.email.test_email import parts, said
from tests.connectors.sms.conftest import Texter, sms_section
from tests.fakes.twilio_api import FakeTwilio

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        yield fake


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis, twilio: FakeTwilio, outgoing: Outgoing,
                  ca_file: str, mailbox: Mailbox) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "name": "Ana", "password_hash": hash_password(PASSWORD)}]
    settings = make_settings(
        server={"port": 0}, handoff={"operators": operators},
        connectors={"webchat": {"enabled": False}, "sms": sms_section(twilio),
                    "email": email_section(outgoing, ca_file, imap=imap_section(mailbox))})
    async with Runtime(settings) as rt:
        yield rt


@pytest.fixture
async def console(runtime: Runtime) -> AsyncIterator[Console]:
    opened = Console(runtime)
    assert (await opened.login("ana")).status == 200
    yield opened
    await opened.close()


async def take_and_reply(console: Console, customer: str, text: str) -> list[tuple[str, str]]:
    """Take ``customer`` from the queue, reply; the transcript as (author, channel)."""
    _, queue = await console.get("/queue")
    assert customer in [item["customer_id"] for item in queue["items"]], queue
    assert (await console.post(f"/conversations/{customer}/take"))[0] == 200
    assert (await console.post(f"/conversations/{customer}/reply", {"text": text}))[0] == 200
    _, view = await console.get(f"/conversations/{customer}")
    return [(e["author"], e["channel"]) for e in view["transcript"] if e["text"] == text]


async def test_an_operator_reply_reaches_an_sms_customer(
        runtime: Runtime, twilio: FakeTwilio, console: Console) -> None:
    phone = Texter(runtime, twilio)
    await phone.says("human")
    customer = await phone.customer()
    shown = await take_and_reply(console, customer, "Hola, soy Ana, te escribo por SMS.")
    assert shown == [("operator:ana", "sms")]
    await runtime.settle()
    assert "Hola, soy Ana, te escribo por SMS." in [m.body for m in twilio.to(phone.number)]


async def test_an_operator_reply_reaches_an_email_customer_in_their_thread(
        runtime: Runtime, mailbox: Mailbox, outgoing: Outgoing,
        console: Console) -> None:
    mailbox.deliver(customer_mail("human", subject="My order",
                                  message_id="<human@example.org>"))
    queued = await said(outgoing, "person", after=0)
    customer = await runtime.store.resolve(Identity(channel="email", account=SHOP,
                                                    user_id=ANA))
    shown = await take_and_reply(console, customer, "Hello, this is Ana by e-mail.")
    assert shown == [("operator:ana", "email")]
    reply = await said(outgoing, "Hello, this is Ana by e-mail.",
                       after=outgoing.mails.index(queued) + 1)
    assert reply["To"].addresses[0].addr_spec == ANA
    assert str(reply["Subject"]).startswith("Re: My order")
    assert "<human@example.org>" in str(reply["References"])
    assert parts(reply)[0].count("Hello, this is Ana by e-mail.") == 1
