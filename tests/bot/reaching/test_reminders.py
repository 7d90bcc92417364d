"""Reminders from flows over real HTTP: sent once when the customer does not answer (then
the question again), cancelled when they write first, sent by exactly one of two
runtimes, and kept across a restart; every step in the history for operators."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from bot.runtime import Runtime
from tests.bot.reaching.conftest import REMIND_AFTER, WA_ID, Customer, flows_for_reaching
from tests.connectors.meta.conftest import Meta
from tests.connectors.sms.conftest import Texter
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import FakeTwilio

pytestmark = pytest.mark.timeout(60)


def reminder_states(history: list[Any]) -> list[str]:
    return [e.data["state"] for e in history if e.kind == "reminder"]


async def index_empty(runtime: Runtime) -> None:
    """Until no reminder waits in the due index (the clock removes one just after queuing
    it, which no event of ours tells): bounded."""
    index = runtime.store.reminder_index()
    for _ in range(250):
        if not await runtime.store.redis.zcard(index.key):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("a reminder stayed in the due index")


async def test_no_answer_gets_one_reminder_then_the_question_again(
        customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/remindme")
    assert graph.whatsapp_sent[-1].json["text"]["body"] == "What size?"
    asked = len(graph.whatsapp_sent)
    sent = await graph.wait_for_whatsapp(asked + 2, to=WA_ID)
    assert [c.json["text"]["body"] for c in sent[asked:]] == [
        "Still there? Your blue mug waits.", "What size?"]
    await customer.runtime.settle()
    assert reminder_states(await customer.history()) == ["scheduled", "sent"]
    await customer.on_whatsapp("M")  # the flow goes on where it was
    assert graph.whatsapp_sent[-1].json["text"]["body"] == "Size M noted."


async def test_writing_first_cancels_it(customer: Customer, graph: FakeGraphAPI) -> None:
    await customer.on_whatsapp("/remindme")
    await customer.on_whatsapp("L")
    session, _ = await customer.runtime.store.load(await customer.id())
    assert session.reminders == []
    await index_empty(customer.runtime)  # nothing left that could wake it
    assert reminder_states(await customer.history()) == ["scheduled", "cancelled"]
    sends = len(graph.whatsapp_sent)
    await asyncio.sleep(REMIND_AFTER * 2)
    assert len(graph.whatsapp_sent) == sends


async def test_two_runtimes_send_it_once(
        customer: Customer, settings: Any, graph: FakeGraphAPI) -> None:
    async with Runtime(settings, flows=flows_for_reaching()) as other:
        await customer.on_whatsapp("/remindme")
        asked = len(graph.whatsapp_sent)
        await graph.wait_for_whatsapp(asked + 2, to=WA_ID)
        await index_empty(customer.runtime)
        await customer.runtime.settle()
        await other.settle()
        reminders = [c for c in graph.whatsapp_sent if "Still there" in (c.text or "")]
        assert len(reminders) == 1
        assert reminder_states(await customer.history()) == ["scheduled", "sent"]


async def test_kept_across_a_restart(settings: Any, graph: FakeGraphAPI, twilio: FakeTwilio,
                                     http: aiohttp.ClientSession) -> None:
    async with Runtime(settings, flows=flows_for_reaching()) as first:
        customer = Customer(first, Meta(http, first), Texter(first, twilio), graph)
        await customer.on_whatsapp("/remindme")
        customer_id = await customer.id()
    asked = len(graph.whatsapp_sent)
    async with Runtime(settings, flows=flows_for_reaching()) as second:
        sent = await graph.wait_for_whatsapp(asked + 2, to=WA_ID)
        assert "Still there" in (sent[asked].text or "")
        await second.settle()
        assert reminder_states(await second.store.history(customer_id)) == [
            "scheduled", "sent"]


async def test_a_due_reminder_is_claimed_by_one_process_at_a_time(redis: Any) -> None:
    from bot.store.store import Store

    first, second = Store(redis), Store(redis)  # two processes' stores
    index = first.reminder_index()
    for n in range(50):
        await index.schedule("c1", f"r{n}", due=0)
    claims = await asyncio.gather(*(store.reminder_index().claim(claim_seconds=60, limit=7)
                                    for store in (first, second) for _ in range(5)))
    taken = [pair for claim in claims for pair in claim]
    assert len(taken) == len(set(taken)) == 50  # each once, by one of them
    assert await index.claim(claim_seconds=60) == []  # claimed: not due again meanwhile
