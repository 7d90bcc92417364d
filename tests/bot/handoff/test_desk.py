"""The handoff state machine through the real pipeline and store."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.handoff.passwords import hash_password, verify_password
from bot.messages import Identity, Inbound
from bot.model import OperatorAction, OperatorActionKind
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector

_ids = itertools.count()
OPERATORS = [{"id": "ana", "name": "Ana", "token": "token-of-ana-0123456789", "capacity": 2},
             {"id": "bo", "name": "Bo", "token": "token-of-bo-0123456789"},
             {"id": "sam", "name": "Sam", "role": "supervisor",
              "token": "token-of-sam-0123456789"}]


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    chat = CollectingConnector(channel="webchat")
    settings = make_settings(handoff={"operators": OPERATORS, "misunderstood_limit": 3})
    async with Runtime(settings, connectors=[chat], serve_http=False) as rt:
        assert rt.desk is not None
        for operator in ("ana", "bo"):
            await rt.desk.queue.heartbeat(operator)
        yield rt


class Customer:
    def __init__(self, runtime: Runtime, user: str = "c1") -> None:
        self.runtime = runtime
        self.identity = Identity(channel="webchat", user_id=user)
        connector = runtime.connectors["webchat"]
        assert isinstance(connector, CollectingConnector)
        self.chat = connector

    async def says(self, text: str | None = None, **fields: Any) -> list[str]:
        before = len(self.chat.to(self.identity.user_id))
        await self.runtime.pipeline.submit([Inbound(
            identity=self.identity, message_id=f"m{next(_ids)}", text=text, **fields)])
        await self.runtime.settle()
        return [s.text for s in self.chat.to(self.identity.user_id)[before:]]

    async def id(self) -> str:
        return await self.runtime.store.resolve(self.identity)


async def act(runtime: Runtime, customer: Customer, operator: str, kind: OperatorActionKind,
              **fields: Any) -> dict[str, Any]:
    action = OperatorAction(id=uuid.uuid4().hex, operator=operator, action=kind, **fields)
    await runtime.pipeline.act(await customer.id(), action)
    await runtime.settle()
    assert runtime.desk is not None
    result = await runtime.desk.queue.wait_result(action.id, timeout=5)
    assert result is not None
    return result


# Proves docs/architecture.md invariant 4.
async def test_a_person_takes_over_and_hands_back_where_the_flow_stood(runtime: Runtime) -> None:
    assert runtime.desk is not None
    customer = Customer(runtime)
    await customer.says("/report")
    queued = await customer.says("human")
    assert queued == ["I'm passing you to a person. You're number 1 in the queue; the "
                      "expected wait is about 3 min."]
    assert await runtime.desk.queue.position(await customer.id()) == 1
    assert await customer.says("hello? anyone?") == [], "the bot says nothing while queued"

    assert (await act(runtime, customer, "ana", "take")) == {"ok": True}
    assert customer.chat.sent[-1].text == "Ana from our team is here to help."
    assert await runtime.desk.queue.position(await customer.id()) is None
    assert await runtime.desk.queue.held_by("ana") == {await customer.id()}

    await act(runtime, customer, "ana", "reply", text="Hi! I can help with the report.")
    assert customer.chat.sent[-1].text == "Hi! I can help with the report."
    assert await customer.says("thanks, it's ticket T100") == [], "the bot stays silent"
    await act(runtime, customer, "ana", "note", text="customer seems upset")
    back = await act(runtime, customer, "ana", "handback")
    assert back == {"ok": True}
    assert [s.text for s in customer.chat.sent[-2:]] == [
        "You're back with the assistant.",
        "Let's report a fault. What's the ticket number? (like T100)"]
    assert await customer.says("T100") == ["Which part is faulty?"], (
        "the flow goes on where it stood")
    assert await runtime.desk.queue.held_by("ana") == set()

    history = await runtime.store.history(await customer.id())
    notes = [e for e in history if e.kind == "note"]
    assert [n.text for n in notes] == ["customer seems upset"]
    assert all("customer seems upset" not in s.text for s in customer.chat.sent)
    by_ana = [e.text for e in history
              if e.kind == "outbound" and e.data.get("author") == "operator:ana"]
    assert by_ana == ["Hi! I can help with the report."]
    by_the_desk = [e.text for e in history
                   if e.kind == "outbound" and e.data.get("author") == "system"]
    assert "Ana from our team is here to help." in by_the_desk, (
        "the automatic line is the system's, not typed by Ana")


# Proves docs/architecture.md invariant 4.
async def test_two_operators_can_never_hold_the_same_conversation(runtime: Runtime) -> None:
    customer = Customer(runtime)
    await customer.says("human")
    customer_id = await customer.id()
    actions = [OperatorAction(id=uuid.uuid4().hex, operator=o, action="take")
               for o in ("ana", "bo")]
    await asyncio.gather(*(runtime.pipeline.act(customer_id, a) for a in actions))
    await runtime.settle()
    assert runtime.desk is not None
    results = [await runtime.desk.queue.wait_result(a.id) for a in actions]
    session, _ = await runtime.store.load(customer_id)
    winner = {"ana": "Ana", "bo": "Bo"}[str(session.operator)]
    assert sorted(results, key=str) == sorted(
        [{"ok": True}, {"ok": False, "error": f"already with {winner}"}], key=str)
    holders = {o for o in ("ana", "bo") if customer_id in await runtime.desk.queue.held_by(o)}
    assert holders == {session.operator}


async def test_only_the_holder_or_a_supervisor_may_reply_and_transfer(runtime: Runtime) -> None:
    customer = Customer(runtime)
    await customer.says("human")
    await act(runtime, customer, "ana", "take")
    refused = await act(runtime, customer, "bo", "reply", text="let me")
    assert refused == {"ok": False, "error": "the conversation is with Ana"}
    assert await act(runtime, customer, "sam", "transfer", target="bo") == {"ok": True}
    assert customer.chat.sent[-1].text == "Bo from our team will continue with you."
    session, _ = await runtime.store.load(await customer.id())
    assert session.operator == "bo"
    assert await act(runtime, customer, "bo", "resolve") == {"ok": True}
    assert customer.chat.sent[-2].text.startswith("Glad we could help.")
    assert customer.chat.sent[-1].text == "How did we do? Rate this conversation:"
    assert await customer.says(payload="4", text="★★★★") == ["Thank you for telling us!"]


async def test_a_supervisor_can_take_over_a_conversation_with_the_bot(runtime: Runtime) -> None:
    customer = Customer(runtime)
    await customer.says("/shelf")
    assert await act(runtime, customer, "sam", "take") == {"ok": True}
    assert await customer.says(payload="item:mug", text="Blue mug") == []


async def test_a_plain_operator_cannot_take_a_conversation_that_is_not_queued(
    runtime: Runtime,
) -> None:
    """Taking is how a conversation's history becomes visible: a plain operator must not
    get one handed back by someone else (or one the bot has) that way."""
    customer = Customer(runtime)
    await customer.says("/shelf")
    refused = await act(runtime, customer, "bo", "take")
    assert refused == {"ok": False, "error": "only queued conversations can be taken"}
    await customer.says("human")
    assert await act(runtime, customer, "ana", "take") == {"ok": True}
    assert await act(runtime, customer, "ana", "handback") == {"ok": True}
    assert (await act(runtime, customer, "bo", "take"))["ok"] is False
    session, _ = await runtime.store.load(await customer.id())
    assert session.mode == "bot" and session.operator is None
    assert runtime.desk is not None and await runtime.desk.queue.held_by("bo") == set()


async def test_the_bot_hands_over_after_three_messages_it_did_not_understand(
    runtime: Runtime,
) -> None:
    customer = Customer(runtime)
    await customer.says("/ticket")
    await customer.says("no idea")
    await customer.says("still no idea")
    replies = await customer.says("what")
    assert replies == [
        "Ticket numbers are a T and three digits, like T100.",
        "Having trouble? Type 'cancel' to stop or 'human' to talk to a person.",
        "What's your ticket number? It looks like T123.",
        "I'm having trouble understanding.",
        "I'm passing you to a person. You're number 1 in the queue; the expected wait is "
        "about 3 min."]
    session, _ = await runtime.store.load(await customer.id())
    assert session.mode == "queued"
    assert session.handoff is not None and "did not understand 3" in session.handoff.reason


async def test_nobody_online_and_closed_hours_are_said_plainly(make_settings: Any) -> None:
    chat = CollectingConnector(channel="webchat")
    closed = {"timezone": "Europe/Madrid", "days": {}}
    for hours, expected in ((None, "No one from our team is available right now."),
                            (closed | {"days": {"mon": "00:00-00:01"}}, "Our team is away")):
        settings = make_settings(handoff={"operators": OPERATORS, "hours": hours})
        async with Runtime(settings, connectors=[chat], serve_http=False) as rt:
            customer = Customer(rt, user=f"u-{uuid.uuid4().hex}")
            replies = await customer.says("human")
            assert replies[0].startswith(expected), replies
            assert await customer.says("my screen is still broken") == [], "the message waits"


async def test_a_queued_conversation_times_out_back_to_the_bot(make_settings: Any) -> None:
    chat = CollectingConnector(channel="webchat")
    settings = make_settings(handoff={"operators": OPERATORS, "queue_timeout_minutes": 0.005})
    async with Runtime(settings, connectors=[chat], serve_http=False) as rt:
        customer = Customer(rt)
        await customer.says("/report")
        await customer.says("human")
        await chat.wait_for(lambda sent: sent[-1].text.startswith("Sorry, no one could answer"),
                            timeout=10)
        await rt.settle()
        assert chat.sent[-1].text.startswith("Let's report a fault.")
        session, _ = await rt.store.load(await customer.id())
        assert session.mode == "bot"


def test_passwords_are_salted_slow_hashes() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse", first)
    assert not verify_password("wrong horse", first)
    assert not verify_password("x", "not-a-hash")


async def test_automatic_assignment_picks_the_least_busy_operator_online(
    make_settings: Any,
) -> None:
    chat = CollectingConnector(channel="webchat")
    settings = make_settings(handoff={"operators": OPERATORS, "assignment": "auto"})
    async with Runtime(settings, connectors=[chat], serve_http=False) as rt:
        assert rt.desk is not None
        for operator in ("ana", "bo"):
            await rt.desk.queue.heartbeat(operator)
        await rt.desk.queue.hold("ana", "someone-else")  # Ana is busier
        customer = Customer(rt, user="auto-1")
        await customer.says("human")
        await rt.settle()
        session, _ = await rt.store.load(await customer.id())
        assert (session.mode, session.operator) == ("human", "bo")
        assert chat.sent[-1].text == "Bo from our team is here to help."
        await rt.desk.queue.offline("bo")  # nobody with room online: it waits in the queue
        await rt.desk.queue.hold("ana", "another")  # Ana is at her capacity of 2
        waiting = Customer(rt, user="auto-2")
        await waiting.says("human")
        await rt.settle()
        session, _ = await rt.store.load(await waiting.id())
        assert session.mode == "queued"
