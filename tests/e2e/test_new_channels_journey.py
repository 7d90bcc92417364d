"""The new channels end to end: a fault report started on Instagram Direct (webhooks signed
like Meta's, a fake Graph API), continued by e-mail with a link code (a real dovecot read
over IMAP, a real SMTP server for the answers), and finished by SMS with another code
(webhooks signed like Twilio's, a fake Twilio).

One customer, three identities, every slot as answered on its channel, one transcript
across the three channels in order.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.messages import Identity
from bot.runtime import Runtime
from tests.connectors.email.conftest import Mailbox, email_section, imap_section
from tests.connectors.email.mails import ANA, SHOP, customer_mail
from tests.connectors.email.servers import Outgoing
from tests.connectors.email.test_email import parts, quoting, said
from tests.connectors.meta.conftest import APP_SECRET, IG_PATH, connector_sections
from tests.connectors.sms.conftest import Texter, sms_section
from tests.e2e.transcripts import channels_in_order, completed_slots
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI, GraphCall
from tests.fakes.twilio_api import NUMBER, FakeTwilio

pytestmark = pytest.mark.timeout(90)

IGSID = "1254459154682919"
PHONE = "+34600999111"
CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")


@pytest.fixture
async def platforms() -> AsyncIterator[tuple[FakeGraphAPI, FakeTwilio]]:
    async with FakeGraphAPI() as graph, FakeTwilio() as twilio:
        yield graph, twilio


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis, platforms: tuple[FakeGraphAPI, FakeTwilio],
                  outgoing: Outgoing, ca_file: str, mailbox: Mailbox) -> AsyncIterator[Runtime]:
    graph, twilio = platforms
    instagram = connector_sections(graph)["instagram"]
    settings = make_settings(connectors={
        "webchat": {"enabled": False},
        "instagram": instagram,
        "email": email_section(outgoing, ca_file, imap=imap_section(mailbox)),
        "sms": sms_section(twilio)})
    async with Runtime(settings) as rt:
        yield rt


async def instagram_says(runtime: Runtime, graph: FakeGraphAPI,
                         payload: dict[str, Any]) -> list[GraphCall]:
    """A signed Instagram webhook; returns what the bot sent back."""
    assert runtime.server is not None
    before = len(graph.instagram_sent)
    body, headers = hooks.signed_delivery(payload, APP_SECRET)
    async with aiohttp.ClientSession() as http, http.post(
            runtime.server.url + IG_PATH, data=body, headers=headers) as answer:
        assert answer.status == 200
    await runtime.settle()
    return graph.instagram_sent[before:]


def numbered(text: str, words: str) -> str:
    """The number before the choice that says ``words`` in a numbered list."""
    line = next(line for line in text.splitlines() if words in line)
    return line.strip().split(".", 1)[0]


async def test_a_form_goes_from_instagram_to_email_to_sms(
    runtime: Runtime, platforms: tuple[FakeGraphAPI, FakeTwilio], mailbox: Mailbox,
    outgoing: Outgoing,
) -> None:
    graph, twilio = platforms
    # 1. Instagram: start the fault report, answer the ticket and the part (a quick reply).
    ask = await instagram_says(runtime, graph, hooks.instagram_text(igsid=IGSID, text="/report"))
    assert ask[-1].text == "Let's report a fault. What's the ticket number? (like T100)"
    part = await instagram_says(runtime, graph, hooks.instagram_text(igsid=IGSID, text="T100"))
    assert part[-1].text == "Which part is faulty?"
    [cable] = [r for r in part[-1].json["message"]["quick_replies"] if r["payload"] == "cable"]
    problem = await instagram_says(runtime, graph, hooks.instagram_quick_reply(
        igsid=IGSID, title=cable["title"], payload=cable["payload"]))
    assert problem[-1].text == "What is wrong with it?"
    # 2. A code to continue elsewhere, with a ready mailto link for the shop's mailbox.
    offer = await instagram_says(runtime, graph, hooks.instagram_text(igsid=IGSID, text="/link"))
    code = CODE.search(offer[0].text or "")
    assert code is not None
    assert f"mailto:{SHOP}?subject={code.group(1)}" in (offer[0].text or "")

    # 3. E-mail: the code mailed to the shop, confirmed, then the problem answered by number.
    mailbox.deliver(customer_mail(code.group(1), subject=code.group(1),
                                  message_id="<link@example.org>"))
    [confirm] = await outgoing.wait_for(1)
    assert "started on Instagram" in parts(confirm)[0]
    yes = numbered(parts(confirm)[0], "Yes")
    mailbox.deliver(customer_mail(quoting(yes, confirm), subject=f"Re: {code.group(1)}",
                                  message_id="<yes@example.org>",
                                  in_reply_to=str(confirm["Message-ID"])))
    question = await said(outgoing, "What is wrong with it?", after=1)
    missing = numbered(parts(question)[0], "A piece is missing")
    mailbox.deliver(customer_mail(quoting(missing, question), subject=f"Re: {code.group(1)}",
                                  message_id="<missing@example.org>",
                                  in_reply_to=str(question["Message-ID"])))
    fix = await said(outgoing, "How should we fix it?", after=outgoing.mails.index(question) + 1)
    # 4. A new code asked by e-mail, texted to the shop's number.
    mailbox.deliver(customer_mail("/link", subject=f"Re: {code.group(1)}",
                                  message_id="<link2@example.org>",
                                  in_reply_to=str(fix["Message-ID"])))
    second_offer = await said(outgoing, "send this code", after=outgoing.mails.index(fix) + 1)
    second = CODE.search(parts(second_offer)[0])
    assert second is not None and second.group(1) != code.group(1)
    # The customer taps the offer's sms: link; it fills in the code without its dash.
    texted = second.group(1).replace("-", "")
    assert f"sms:{NUMBER}?body={texted}" in parts(second_offer)[0]

    # 5. SMS: the code, a yes, and the rest of the form answered by number.
    phone = Texter(runtime, twilio, number=PHONE)
    [ask_link] = await phone.says(texted)
    assert "started on e-mail" in ask_link and "on SMS" in ask_link
    back = await phone.says(numbered(ask_link, "Yes"))
    assert back[0].startswith("Welcome back")
    assert "How should we fix it?" in back[-1]
    after_fix = await phone.says(numbered(back[-1], "Repair it"))
    assert after_fix[-1] == "Which e-mail address should we write to?"
    summary = await phone.says("ana@example.com")
    assert summary[-1].startswith(
        "Report Power cable on ticket T100 (A piece is missing), fix: repair it. Send it?")
    done = await phone.says(numbered(summary[-1], "Yes, send it"))
    assert re.fullmatch(r"Sent! Your report number is F-T100-[0-9A-F]{4}\. "
                        r"We'll write to ana@example\.com\.", done[-1])

    store = runtime.store
    instagram = Identity(channel="instagram", account="IG_ID", user_id=IGSID)
    email = Identity(channel="email", account=SHOP, user_id=ANA)
    customer = await store.resolve(instagram)
    for other in (email, phone.identity()):
        assert await store.resolve(other) == customer, "one customer"
    identities = {i.key for i in await store.identities(customer)}
    assert identities == {instagram.key, email.key, f"sms:{NUMBER}:{PHONE}"}
    history = await store.history(customer)
    assert completed_slots(history, "report") == {
        "ticket": "T100", "part": "cable", "problem": "missing", "fix": "repair",
        "contact": "ana@example.com", "confirm": "yes"}
    assert channels_in_order(history) == ["instagram", "email", "sms"]
    # Only the new text of each mail reached the flow (quotes stripped); codes are masked.
    assert [(e.channel, e.text) for e in history if e.kind == "inbound"] == [
        ("instagram", "/report"), ("instagram", "T100"), ("instagram", "Power cable"),
        ("instagram", "/link"),
        ("email", "(a link code)"), ("email", yes), ("email", missing), ("email", "/link"),
        ("sms", "(a link code)"), ("sms", "1"), ("sms", "1"), ("sms", "ana@example.com"),
        ("sms", "1")]
    assert [e.at for e in history] == sorted(e.at for e in history)
