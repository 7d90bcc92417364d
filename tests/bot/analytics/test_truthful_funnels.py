"""Analytics that match what happened: a flow the flow itself ended (a refusal) is not
"completed"; choosing a menu option is not "abandoning" the menu; a conversation taken
once is counted once, however many times the take was asked for."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.messages import Identity, Inbound
from bot.model import OperatorAction
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.bot.analytics.test_observability import say


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "token": "token-of-ana-0123456789"}]
    async with Runtime(make_settings(handoff={"operators": operators, "assignment": "auto"}),
                       connectors=[CollectingConnector(channel="webchat")]) as rt:
        yield rt


def funnel(report: dict[str, Any], flow: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [f for f in report["funnels"] if f["flow"] == flow]
    return found[0]


async def test_a_refusal_is_ended_by_the_flow_and_a_menu_choice_completes_the_menu(
    runtime: Runtime,
) -> None:
    refused = Identity(channel="webchat", user_id="r1")
    await say(runtime, refused, "hello")  # the menu
    await say(runtime, refused, payload="menu:report", text="Report a fault")
    await say(runtime, refused, "T300")  # closed: the flow refuses the report
    report = await runtime.report(1)
    form = funnel(report, "report")
    assert (form["started"], form["completed"], form["ended"], form["abandoned"]) == (
        1, 0, 1, 0)
    assert form["outcomes"] == {"closed": 1}
    assert [(s["step"], s["title"]) for s in form["steps"][:2]] == [
        ("ask_ticket", "Ticket number"), ("check", "Ticket check")], "steps by their titles"
    today = {h["hour"]: h["messages_in"] for h in report["hours"]}
    assert len(today) == 24 and sum(today.values()) == 3, "today, hour by hour"
    menu = funnel(report, "menu")
    assert menu["abandoned"] == 0, "choosing an option is not abandoning the menu"
    assert menu["completed"] == 1


async def test_a_conversation_assigned_while_the_customer_writes_is_taken_once(
    runtime: Runtime,
) -> None:
    assert runtime.desk is not None
    await runtime.desk.queue.heartbeat("ana")  # online: automatic assignment picks her
    customer = Identity(channel="webchat", user_id="w1")
    # "human", then two more lines before anyone took it: each queued turn assigns again.
    await runtime.pipeline.submit([Inbound(identity=customer, message_id=f"w{i}", text=text)
                                   for i, text in enumerate(("human", "hello?", "anyone?"))])
    await runtime.settle()
    customer_id = await runtime.store.resolve(customer)
    await runtime.pipeline.act(customer_id, OperatorAction(id="click-again", operator="ana",
                                                           action="take"))  # a double click
    await runtime.settle()
    handoff = (await runtime.report(1))["handoff"]
    assert handoff["requested"] == 1
    assert handoff["taken"] == 1, handoff
    history = await runtime.store.history(customer_id)
    joined = [e for e in history if e.kind == "outbound" and "is here to help" in (e.text or "")]
    assert len(joined) == 1, "the customer is told once"


async def test_a_supervisors_direct_take_counts_as_asked_for(make_settings: Any) -> None:
    operators = [{"id": "sam", "role": "supervisor", "token": "token-of-sam-0123456789"}]
    async with Runtime(make_settings(handoff={"operators": operators}),
                       connectors=[CollectingConnector(channel="webchat")]) as runtime:
        customer = Identity(channel="webchat", user_id="d1")
        await say(runtime, customer, "hello")
        customer_id = await runtime.store.resolve(customer)
        await runtime.pipeline.act(customer_id, OperatorAction(id="t", operator="sam",
                                                               action="take"))
        await runtime.settle()
        handoff = (await runtime.report(1))["handoff"]
        assert handoff["taken"] == 1 and handoff["requested"] == 1, handoff
