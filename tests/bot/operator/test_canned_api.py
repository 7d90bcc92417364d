"""Canned replies over real HTTP: the customer's locale's, with the placeholders filled
in for the open conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config.settings import Settings
from bot.model import Frame, Session
from bot.operator.canned import order_of
from bot.runtime import Runtime
from tests.bot.operator.console import whatsapp_customer

CANNED = [
    {"id": "hello", "title": "Greeting", "text": "Hi {name}, I'm {operator}."},
    {"id": "late", "title": "Late order", "locale": "en",
     "text": "Sorry {name}, order {order} is on its way. {unknown} stays."},
    {"id": "tarde", "title": "Pedido con retraso", "locale": "es",
     "text": "Perdona {name}, tu pedido {order} está en camino."},
]


@pytest.fixture
async def runtime(operator_settings: Callable[..., Settings]) -> AsyncIterator[Runtime]:
    async with Runtime(operator_settings(handoff={"canned_replies": CANNED})) as rt:
        yield rt


async def test_canned_replies_follow_the_locale_and_fill_the_placeholders(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    ana = consoles()
    await ana.login("ana")
    status, body = await ana.get(f"/conversations/{customer}/canned")
    assert status == 200, body
    by_id = {item["id"]: item["text"] for item in body["items"]}
    assert set(by_id) == {"hello", "late"}, "an English-speaking customer: no Spanish ones"
    assert by_id["hello"] == "Hi Ana, I'm Ana."
    assert by_id["late"] == "Sorry Ana, order your order is on its way. {unknown} stays."

    bo = consoles()
    await bo.login("bo")
    await ana.post(f"/conversations/{customer}/take")
    assert (await bo.get(f"/conversations/{customer}/canned"))[0] == 403, "not his"
    assert (await ana.get("/conversations/nobody/canned"))[0] == 404


def test_the_order_placeholder_is_what_a_flow_collected() -> None:
    session = Session(stack=[Frame(flow="returns", step="confirm", slots={"order": "A-1"})])
    assert order_of(session) == "A-1"
    assert order_of(Session()) is None
