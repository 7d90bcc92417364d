"""The e-mail channel end to end: a real runtime reading a real dovecot mailbox over IMAP
(TLS, IDLE) and answering through a real SMTP server (STARTTLS, login) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

import aiohttp

from bot.messages import Identity
from bot.runtime import Runtime
from tests.connectors.email.conftest import Mailbox
from tests.connectors.email.mails import ANA, SHOP, customer_mail, dsn
from tests.connectors.email.servers import Outgoing
from tests.connectors.webchat.test_webchat import connect

ANA_IDENTITY = Identity(channel="email", account=SHOP, user_id=ANA)


def parts(mail: EmailMessage) -> tuple[str, str]:
    text, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def quoting(text: str, ours: EmailMessage) -> str:
    """A customer's reply as a mail client writes it: new text, attribution, quote."""
    quoted = "\n".join(f"> {line}" for line in parts(ours)[0].splitlines())
    return f"{text}\n\nOn Mon, 1 Dec 2026 at 10:00, The Store <{SHOP}> wrote:\n{quoted}\n"


async def said(outgoing: Outgoing, words: str, *, after: int) -> EmailMessage:
    """The first mail from ``after`` on that says ``words`` (a reply of several parts is
    several mails)."""
    for count in range(after + 1, after + 6):
        mail = (await outgoing.wait_for(count))[-1]
        if words in parts(mail)[0]:
            return mail
    raise AssertionError(f"no mail said {words!r}: {[parts(m)[0] for m in outgoing.mails]}")


async def test_a_conversation_by_mail_stays_in_one_thread(
        imap_runtime: Runtime, mailbox: Mailbox, outgoing: Outgoing) -> None:
    mailbox.deliver(customer_mail("Hi, I have a question", message_id="<m1@example.org>"))
    [menu] = await outgoing.wait_for(1)
    assert outgoing.envelopes[0] == (SHOP, [ANA])
    assert menu["To"] == ANA and "The Store" in menu["From"] and SHOP in menu["From"]
    assert menu["Subject"] == "Re: Hello" and menu["In-Reply-To"] == "<m1@example.org>"
    assert menu["References"] == "<m1@example.org>" and menu["Auto-Submitted"]
    text, html = parts(menu)
    assert re.search(r"^2\. .*ticket", text, re.MULTILINE | re.IGNORECASE)
    assert "<ol start=\"1\">" in html and "<li>" in html
    # The customer answers "2" above the quoted menu, in the same thread.
    mailbox.deliver(customer_mail(quoting("2", menu), subject="Re: Hello",
                                  message_id="<m2@example.org>",
                                  in_reply_to=str(menu["Message-ID"]),
                                  references=f"<m1@example.org> {menu['Message-ID']}"))
    ask = (await outgoing.wait_for(2))[1]
    assert "ticket number" in parts(ask)[0]
    assert ask["In-Reply-To"] == "<m2@example.org>" and ask["Subject"] == "Re: Hello"
    assert ask["References"].split() == ["<m1@example.org>", menu["Message-ID"],
                                         "<m2@example.org>"]
    assert ask["Message-ID"] != menu["Message-ID"]
    assert all(b"\\Seen" in line for line in mailbox.flags())


async def test_a_redelivered_mail_has_one_effect(
        imap_runtime: Runtime, mailbox: Mailbox, outgoing: Outgoing) -> None:
    mailbox.deliver(customer_mail("hi", message_id="<same@example.org>"))
    await outgoing.wait_for(1)
    mailbox.deliver(customer_mail("hi", message_id="<same@example.org>"))
    mailbox.deliver(customer_mail("/ticket", message_id="<other@example.org>"))
    # One customer's mails are answered in order: an answer to the duplicate would come
    # before the ticket's question.
    second = (await outgoing.wait_for(2))[1]
    assert "ticket number" in parts(second)[0]
    await imap_runtime.settle()
    assert len(outgoing.mails) == 2


async def test_auto_replies_never_start_a_turn_and_a_hard_bounce_marks_unreachable(
        imap_runtime: Runtime, mailbox: Mailbox, outgoing: Outgoing) -> None:
    mailbox.deliver(customer_mail("hi", message_id="<m1@example.org>"))
    [ours] = await outgoing.wait_for(1)
    mailbox.deliver(customer_mail("I'm on holiday", message_id="<auto@example.org>",
                                  headers={"Auto-Submitted": "auto-replied"}))
    # A forged bounce (a Message-ID we did not sign for Ana) changes nothing.
    mailbox.deliver(dsn(recipient=ANA, status="5.1.1", original_message_id="<x@example.com>"))
    mailbox.deliver(dsn(recipient=ANA, status="5.1.1",
                        original_message_id=str(ours["Message-ID"])))
    store = imap_runtime.store
    customer = await store.resolve(ANA_IDENTITY)
    for _ in range(100):
        if await store.unreachable_identities(customer):
            break
        await asyncio.sleep(0.05)
    assert await store.unreachable_identities(customer) == [ANA_IDENTITY.key]
    history = await store.history(customer)
    failed = [e for e in history if e.kind == "delivery"]
    assert len(failed) == 1 and failed[0].data["status"] == "failed"
    assert failed[0].data["platform_message_id"] == ours["Message-ID"]
    assert not any("holiday" in (e.text or "") for e in history)
    assert len(outgoing.mails) == 1


async def test_a_huge_mail_is_cut_and_its_text_answered(
        imap_runtime: Runtime, mailbox: Mailbox, outgoing: Outgoing) -> None:
    mailbox.deliver(customer_mail("/ticket", attachment=b"%PDF" * 800_000))  # 3.2 MB
    [answer] = await outgoing.wait_for(1)
    assert "ticket number" in parts(answer)[0]


async def test_a_malformed_mail_is_skipped_and_the_next_one_answered(
        imap_runtime: Runtime, mailbox: Mailbox, outgoing: Outgoing) -> None:
    mailbox.deliver(b"Subject: nobody wrote this\r\n\r\nno From at all\r\n")
    mailbox.deliver(customer_mail("hi"))
    await outgoing.wait_for(1)
    assert outgoing.envelopes == [(SHOP, [ANA])]


async def test_a_channel_switch_from_the_web_chat_to_mail(
        imap_runtime: Runtime, mailbox: Mailbox, outgoing: Outgoing) -> None:
    async with aiohttp.ClientSession() as http:
        browser, _ = await connect(http, imap_runtime)
        await browser.send(type="message", id="w1", text="hi")
        menu = await browser.bot_says()
        ticket = next(c for c in menu["choices"] if c["payload"] == "menu:ticket")
        await browser.send(type="choice", id="w2", payload=ticket["payload"],
                           title=ticket["title"])
        assert "ticket number" in (await browser.bot_says())["text"]
        await browser.send(type="message", id="w3", text="/link")
        given = (await browser.bot_says())["text"]
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b", given)
    assert code is not None
    assert f"mailto:{SHOP}?subject={code.group(1)}&body={code.group(1)}" in given
    # The customer opens the mailto link: the code is the subject and the body.
    mailbox.deliver(customer_mail(f"{code.group(1)}\n\n-- \nAna", subject=code.group(1),
                                  message_id="<link@example.org>"))
    [confirm] = await outgoing.wait_for(1)
    assert "1. " in parts(confirm)[0]
    mailbox.deliver(customer_mail(quoting("1", confirm), subject=f"Re: {code.group(1)}",
                                  message_id="<yes@example.org>",
                                  in_reply_to=str(confirm["Message-ID"])))
    welcome = await said(outgoing, "ticket number", after=1)  # the web chat's question
    mailbox.deliver(customer_mail("T100", subject=f"Re: {code.group(1)}",
                                  message_id="<number@example.org>",
                                  in_reply_to=str(welcome["Message-ID"])))
    status = await said(outgoing, "T100", after=outgoing.mails.index(welcome) + 1)
    assert "T100" in parts(status)[0]
    assert status["In-Reply-To"] == "<number@example.org>"
