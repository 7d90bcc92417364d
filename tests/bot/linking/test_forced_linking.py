"""Finding 15.4, forced linking: a link URL submits a code in one click, and one "yes"
used to join the clicking customer (their e-mail, their history) to the code's owner.
Now a customer with a history here must type a word; a click and a "yes" join nothing,
and no contact detail crosses to the other side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.bot.linking.test_linking import BUTTONS, Customer, channel, link_code


@pytest.fixture
async def runtime(make_settings: Any, redis: Any) -> AsyncIterator[Runtime]:
    channels = [CollectingConnector(channel="telegram", capabilities=BUTTONS),
                CollectingConnector(channel="webchat", capabilities=BUTTONS)]
    async with Runtime(make_settings(), connectors=channels, serve_http=False) as rt:
        yield rt


async def with_a_report_and_an_email(customer: Customer, email: str) -> None:
    """A customer who sent a fault report and left an e-mail: they have something to lose."""
    await customer.says("/report")
    await customer.says("T100")
    await customer.says(payload="cable", text="Power cable")
    await customer.says(payload="broken", text="It is broken")
    await customer.says(payload="repair", text="Repair it")
    await customer.says(email)
    done = await customer.says(payload="yes", text="Yes")
    assert any(email in text for text in done), done


async def test_forced_linking_a_victims_click_and_yes_do_not_move_their_data(
    runtime: Runtime,
) -> None:
    attacker = Customer(runtime, channel(runtime, "telegram"), "666")
    code = await link_code(attacker)  # sent to the victim as https://shop/?link=CODE
    victim = Customer(runtime, channel(runtime, "webchat"), "v-victim")
    await with_a_report_and_an_email(victim, "victim@example.com")
    victim_id = await victim.customer_id()

    offer = await victim.says(code)  # the click: the page sends the code
    assert "type JOIN" in offer[0] and "Telegram" in offer[0] and "the web chat" in offer[0]
    assert "v•••@example.com" in offer[0], "it says which contact details would be shared"
    offered = channel(runtime, "webchat").to("v-victim")[-1].message
    assert [c.payload for c in getattr(offered, "choices", ())] == ["link:no"], (
        "no button joins: only cancelling is a tap")
    assert (await victim.says(payload="link:yes"))[0].startswith("Nothing was joined.")
    assert (await victim.says("yes"))[0].startswith("Nothing was joined.")

    assert await victim.customer_id() == victim_id, "not joined to the attacker"
    _, attackers = await runtime.store.load(await attacker.customer_id())
    assert attackers.email is None, "the victim's e-mail did not move to the attacker"
    sent_to_attacker = " ".join(s.text for s in channel(runtime, "telegram").to("666"))
    assert "victim@" not in sent_to_attacker
    assert await runtime.store.history(await attacker.customer_id()) != [] and all(
        "victim@" not in (e.text or "") for e in await runtime.store.history(
            await attacker.customer_id()))


async def test_forced_linking_an_attacker_with_history_cannot_join_a_victims_code_by_yes(
    runtime: Runtime,
) -> None:
    victim = Customer(runtime, channel(runtime, "telegram"), "777")
    await with_a_report_and_an_email(victim, "victim@example.com")
    code = await link_code(victim)  # seen over the victim's shoulder, or leaked
    attacker = Customer(runtime, channel(runtime, "webchat"), "v-attacker")
    await with_a_report_and_an_email(attacker, "attacker@example.com")
    before = len(channel(runtime, "webchat").to("v-attacker"))

    await attacker.says(code)
    await attacker.says(payload="link:yes")
    await attacker.says("yes")

    assert await attacker.customer_id() != await victim.customer_id()
    to_attacker = " ".join(s.text for s in channel(runtime, "webchat").to("v-attacker")[before:])
    assert "victim@" not in to_attacker and "Welcome back" not in to_attacker
    _, victims = await runtime.store.load(await victim.customer_id())
    assert victims.email == "victim@example.com"
    assert {i.key for i in await runtime.store.identities(await victim.customer_id())} == {
        victim.identity.key}, "the attacker's chat is not one of the victim's identities"


async def test_a_customer_with_history_joins_by_typing_the_word(runtime: Runtime) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "888", name="Dora")
    code = await link_code(tg)
    web = Customer(runtime, channel(runtime, "webchat"), "v-dora")
    await web.says("/catalogue")
    await web.says(code)
    welcome = await web.says("join")  # any case
    assert welcome[0].startswith("Welcome back")
    assert await web.customer_id() == await tg.customer_id()


async def test_a_fresh_visitor_still_confirms_with_one_tap(runtime: Runtime) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "999")
    code = await link_code(tg)
    web = Customer(runtime, channel(runtime, "webchat"), "v-fresh")
    offer = await web.says(code)
    assert "Continue the conversation you started on Telegram here?" in offer[0]
    assert "the web chat" in offer[0], "it says which chat is joined"
    await web.says(payload="link:yes")
    assert await web.customer_id() == await tg.customer_id()
