"""One customer across channels, through the real pipeline and store: link codes, the
vouched-phone offer, merges of two customers mid-flow, races and limits."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.channels import Capabilities
from bot.messages import Attachment, Identity, Inbound, SenderHint
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector

BUTTONS = Capabilities(max_text_length=4096, max_buttons=10, request_phone=True)
TEXT_ONLY = Capabilities(max_text_length=4096, max_buttons=0)
MENU_AS_TEXT = ("Hello! Test desk here. What do you need?\n\n1. Browse the shelf\n"
                "2. Check a ticket\n3. Report a fault\n4. Talk to a person\n"
                "5. Continue on another channel\n6. Español")
CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")
_ids = itertools.count()


class Customer:
    """A person writing on one channel."""

    def __init__(self, runtime: Runtime, channel: CollectingConnector, user: str,
                 **sender: Any) -> None:
        self.runtime = runtime
        self.channel = channel
        self.identity = Identity(channel=channel.channel, user_id=user)
        self.sender = SenderHint(**sender)

    async def says(self, text: str | None = None, **fields: Any) -> list[str]:
        """Send a message and return the texts that came back on this channel."""
        before = len(self.channel.to(self.identity.user_id))
        await self.runtime.pipeline.submit([Inbound(
            identity=self.identity, message_id=f"m{next(_ids)}", text=text,
            sender=self.sender, **fields)])
        await self.runtime.settle()
        return [s.text for s in self.channel.to(self.identity.user_id)[before:]]

    async def customer_id(self) -> str:
        return await self.runtime.store.resolve(self.identity)


@pytest.fixture
async def runtime(make_settings: Any, redis: Any) -> AsyncIterator[Runtime]:
    channels = [CollectingConnector(channel="telegram", capabilities=BUTTONS),
                CollectingConnector(channel="whatsapp", capabilities=TEXT_ONLY),
                CollectingConnector(channel="webchat", capabilities=BUTTONS)]
    async with Runtime(make_settings(linking={"attempts_per_identity": 5}),
                       connectors=channels, serve_http=False) as rt:
        yield rt


def channel(runtime: Runtime, name: str) -> CollectingConnector:
    connector = runtime.connectors[name]
    assert isinstance(connector, CollectingConnector)
    return connector


async def link_code(customer: Customer) -> str:
    replies = await customer.says("/link")
    match = CODE.search(replies[0])
    assert match, replies
    return match.group(1)


# Proves docs/architecture.md invariant 5.
async def test_a_form_started_on_one_channel_finishes_on_another(runtime: Runtime) -> None:
    ana_tg = Customer(runtime, channel(runtime, "telegram"), "100", name="Ana", locale="en")
    await ana_tg.says("/report")
    await ana_tg.says("T100")
    await ana_tg.says(payload="cable", text="Power cable")
    code = await link_code(ana_tg)

    ana_wa = Customer(runtime, channel(runtime, "whatsapp"), "34600111222")
    confirm = await ana_wa.says(code.lower().replace("-", ""))  # any case, no dash
    assert "Continue the conversation you started on Telegram here?" in confirm[0]
    assert await ana_wa.customer_id() != await ana_tg.customer_id(), "not before the yes"
    welcome = await ana_wa.says("1")  # "yes", typed as a number on a text-only channel
    assert welcome[0].startswith("Welcome back Ana!")
    assert welcome[1] == "We were here:"
    assert welcome[2] == ("What is wrong with it?\n\n1. It is broken\n2. A piece is missing\n"
                          "3. It makes noise\n4. Something else")
    assert len(welcome) == 3
    assert await ana_wa.customer_id() == await ana_tg.customer_id()

    fix = await ana_wa.says("2")  # "A piece is missing": "2" maps back to the second choice
    assert fix == ["How should we fix it?\n\n1. Repair it\n2. Replace it"]
    customer = await ana_tg.customer_id()
    session, profile = await runtime.store.load(customer)
    assert session.frame is not None
    assert session.frame.slots == {"ticket": "T100", "part": "cable", "problem": "missing"}
    assert session.address == ana_wa.identity, "replies go where the customer wrote last"
    assert {i.key for i in await runtime.store.identities(customer)} == {
        ana_tg.identity.key, ana_wa.identity.key}
    assert profile.name == "Ana"

    history = await runtime.store.history(customer)
    assert [e.at for e in history] == sorted(e.at for e in history)
    assert [e.kind for e in history if e.kind in ("link", "merge")] == ["link", "merge"]
    assert all(code not in (e.text or "") and code.replace("-", "") not in (e.text or "")
               for e in history), "link codes never reach the history"


async def test_a_second_switch_is_recognised_once_and_resumes_in_the_channel_form(
    runtime: Runtime,
) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "101", name="Bea")
    await tg.says("/ticket")
    web = Customer(runtime, channel(runtime, "webchat"), "v-101")
    await web.says(await link_code(tg))
    await web.says(payload="link:yes")
    switched = await tg.says("/report")
    assert switched == ["Hi again Bea, continuing here on Telegram.",
                        "Let's report a fault. What's the ticket number? (like T100)"]
    await tg.says("T100")
    # Back on the web (greeted once already, when linking): the pending question is shown
    # again, with buttons, instead of an error.
    replies = await web.says("hello?")
    assert replies == ["We were here:", "Which part is faulty?"]
    sent = channel(runtime, "webchat").to("v-101")[-1]
    assert sent.message.kind == "choices"
    again = await web.says(payload="screen", text="Cracked screen")
    assert again == ["What is wrong with it?"], "greeted once per identity, not again"


async def test_wrong_used_and_expired_codes_get_the_same_answer(runtime: Runtime) -> None:
    owner = Customer(runtime, channel(runtime, "telegram"), "102")
    code = await link_code(owner)
    first = Customer(runtime, channel(runtime, "webchat"), "v-a")
    await first.says(code)
    await first.says(payload="link:yes")
    wrong = await Customer(runtime, channel(runtime, "webchat"), "v-b").says("ABCD-EFGH")
    used = await Customer(runtime, channel(runtime, "webchat"), "v-c").says(code)
    expired_code = await link_code(owner)
    await runtime.store.redis.flushdb()  # every code (and everything else) gone
    expired = await Customer(runtime, channel(runtime, "webchat"), "v-d").says(expired_code)
    assert wrong == used == expired
    assert wrong[0].startswith("That code isn't valid.")


async def test_wrong_codes_are_limited_per_identity(runtime: Runtime) -> None:
    owner = Customer(runtime, channel(runtime, "telegram"), "103")
    code = await link_code(owner)
    guesser = Customer(runtime, channel(runtime, "webchat"), "v-guess")
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC", "DDDD-DDDD", "EEEE-EEEE"):
        assert (await guesser.says(guess))[0].startswith("That code isn't valid.")
    blocked = await guesser.says(code)  # even the right code, now
    assert blocked[0].startswith("Too many wrong codes.")
    other = Customer(runtime, channel(runtime, "webchat"), "v-honest")
    assert "Continue the conversation" in (await other.says(code))[0]


async def test_two_concurrent_redemptions_of_one_code_succeed_once(runtime: Runtime) -> None:
    owner = Customer(runtime, channel(runtime, "telegram"), "104")
    code = await link_code(owner)
    b = Customer(runtime, channel(runtime, "webchat"), "v-race-b")
    c = Customer(runtime, channel(runtime, "whatsapp"), "34600999888")
    await asyncio.gather(b.says(code), c.says(code))
    replies = await asyncio.gather(b.says(payload="link:yes"), c.says("yes"))
    welcomed = [r for r in replies if r and r[0].startswith("Welcome back")]
    refused = [r for r in replies if r and r[0].startswith("That code isn't valid")]
    assert len(welcomed) == 1 and len(refused) == 1
    owner_id = await owner.customer_id()
    assert len(await runtime.store.identities(owner_id)) == 2


async def test_merging_two_customers_mid_flow_keeps_the_other_flow_to_resume(
    runtime: Runtime,
) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "105")
    await tg.says("/report")
    await tg.says("T100")  # a report in progress, waiting for the part
    web = Customer(runtime, channel(runtime, "webchat"), "v-105")
    await web.says("/shelf")  # another customer (so far), browsing: more recent
    web_history = await runtime.store.history(await web.customer_id())
    code = await link_code(tg)
    await web.says(code)
    welcome = await web.says("JOIN")  # with a history here, the word, not a tap
    assert welcome[-1] == "On the shelf today. Pick one:", "the most recent flow continues"
    await web.says(payload="item:mug", text="Blue mug")
    replies = await web.says(payload="shelf:menu", text="Back to the menu")
    assert replies == ["Hello! Test desk here. What do you need?"], "the shelf started the menu"
    # The shelf flow handed over to the menu; cancel it to see the offer.
    offer = await web.says("cancel")
    assert offer == ["Okay, I've cancelled that.",
                     'You also had "a fault report" in progress. Continue it?']
    resumed = await web.says(payload="resume:yes")
    assert resumed == ["Which part is faulty?"]
    customer = await tg.customer_id()
    history = await runtime.store.history(customer)
    texts = [e.text for e in history]
    assert all(e in history for e in web_history), (
        "nothing of the joined customer's history is lost")
    assert texts.index("/report") < texts.index("/shelf"), "interleaved by time"


async def test_a_vouched_phone_offers_to_continue_and_links_only_on_yes(
    runtime: Runtime,
) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "106", name="Carla")
    await tg.says("/report")
    own = Attachment(kind="contact", phone="34600555666", own_phone=True)
    await runtime.pipeline.submit([Inbound(
        identity=tg.identity, message_id="contact-1", attachments=(own,),
        sender=SenderHint(verified_phone="+34600555666"))])
    await runtime.settle()
    # Someone else's contact is never used to link.
    stranger = Customer(runtime, channel(runtime, "webchat"), "v-stranger")
    not_own = Attachment(kind="contact", phone="+34600555666", own_phone=False)
    replies = await stranger.says(attachments=(not_own,))
    assert replies == ["Hello! Test desk here. What do you need?"], "no offer: the menu"

    wa = Customer(runtime, channel(runtime, "whatsapp"), "34600555666",
                  verified_phone="+34600555666")
    offer = await wa.says("hola")
    assert "It looks like we've talked before on Telegram" in offer[0]
    assert await wa.customer_id() != await tg.customer_id()
    welcome = await wa.says("yes")
    assert welcome[0].startswith("Welcome back Carla!")
    assert await wa.customer_id() == await tg.customer_id()


async def test_declining_the_phone_offer_is_remembered(runtime: Runtime) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "107")
    await runtime.pipeline.submit([Inbound(
        identity=tg.identity, message_id="c-107", sender=SenderHint(verified_phone="+34611000111"),
        attachments=(Attachment(kind="contact", phone="+34611000111", own_phone=True),))])
    await runtime.settle()
    wa = Customer(runtime, channel(runtime, "whatsapp"), "34611000111",
                  verified_phone="+34611000111")
    assert "talked before" in (await wa.says("hi"))[0]
    assert (await wa.says("no"))[0] == "Okay, I won't connect them."
    later = await wa.says("hi")
    assert later == [MENU_AS_TEXT], "no second offer: the menu, as on any text-only channel"
    assert await wa.customer_id() != await tg.customer_id()


async def test_linked_channels_writing_at_once_are_answered_in_order(runtime: Runtime) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "108")
    web = Customer(runtime, channel(runtime, "webchat"), "v-108")
    await tg.says("hi")
    await web.says(await link_code(tg))
    await web.says(payload="link:yes")
    await asyncio.gather(tg.says("/ticket"), web.says("/shelf"))
    customer = await tg.customer_id()
    history = await runtime.store.history(customer)
    inbound = [e for e in history if e.kind == "inbound"][-2:]
    assert {e.text for e in inbound} == {"/ticket", "/shelf"}
    started = [e.data["flow"] for e in history
               if e.kind == "flow" and e.data.get("state") == "started"][-2:]
    expected = ["ticket" if e.text == "/ticket" else "shelf" for e in inbound]
    assert started == expected, "turns applied in the order the messages were recorded"
    assert channel(runtime, "telegram").to("108")[-1].text.startswith(("What's your ticket",
                                                                       "On the shelf"))


# Proves docs/architecture.md invariant 7.
async def test_codes_and_phones_never_reach_the_logs(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tg = Customer(runtime, channel(runtime, "telegram"), "109")
    code = await link_code(tg)
    wa = Customer(runtime, channel(runtime, "whatsapp"), "34622333444",
                  verified_phone="+34622333444")
    await wa.says(code)
    await wa.says("yes")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    turns = [r.getMessage().split()[2] for r in caplog.records
             if r.getMessage().startswith("turn message")]
    assert turns[:2] == ["channel=telegram", "channel=whatsapp"], "the turns were logged"
    assert code not in logged and code.replace("-", "") not in logged
    assert "34622333444" not in logged

