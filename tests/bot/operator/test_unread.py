"""Unread counts over real HTTP: a customer's messages since the operator last had the
conversation open, per operator, in the queue and in their conversations."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from tests.bot.operator.console import whatsapp_customer


async def test_unread_counts_what_the_customer_said_since_the_operator_looked(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    ana, bo = consoles(), consoles()
    await ana.login("ana")
    await bo.login("bo")
    _, queue = await ana.get("/queue")
    assert queue["items"][0]["unread"] == 1, "never opened: the customer's message"
    await ana.get(f"/conversations/{customer}")  # she looks at it
    _, queue = await ana.get("/queue")
    assert queue["items"][0]["unread"] == 0
    _, queue = await bo.get("/queue")
    assert queue["items"][0]["unread"] == 1, "per operator"

    await ana.post(f"/conversations/{customer}/take")
    await ana.get(f"/conversations/{customer}")
    await whatsapp_customer(runtime, "are you there?")
    await whatsapp_customer(runtime, "hello?")
    _, mine = await ana.get("/conversations")
    assert [i["unread"] for i in mine["items"]] == [2] and mine["unread"] == 2
