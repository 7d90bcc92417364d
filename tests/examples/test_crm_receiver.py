"""examples/crm_receiver.py against a real bot: the CRM service runs on 127.0.0.1, the
bot's subscription points at it, and a customer's return request ends up in its SQLite
database (customer created, then updated, the completed return with its exported slots),
each event applied once even when delivered twice."""

from __future__ import annotations

import importlib.util
import json
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.runtime import Runtime
from bot.webhooks.signing import sign
from tests.bot.webhooks import conversation as chat

EXAMPLE = Path(__file__).parents[2] / "examples" / "crm_receiver.py"
SECRET = "crm-secret-0123456789"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crm_receiver", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crm_receiver"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def crm(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    database = tmp_path / "crm.sqlite"
    runner = web.AppRunner(load_example().make_app(database, SECRET), access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/omnicanal/events", database
    finally:
        await runner.cleanup()


def rows(database: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as db:
        return db.execute(query).fetchall()


async def test_the_crm_mirrors_customers_and_completed_returns_from_the_events_alone(
    make_settings: Any, crm: tuple[str, Path]
) -> None:
    url, database = crm
    settings = chat.settings_for(make_settings, url, SECRET)
    async with Runtime(settings, flows=[chat.returns], serve_http=False) as runtime:
        for n, text in enumerate(chat.SCRIPT):
            await chat.say(runtime, "ana", n, text)
            await runtime.settle()

        async def completions() -> list[tuple[Any, ...]]:
            return rows(database, "SELECT customer_id, flow, slots FROM completions")

        async def customer_tags() -> list[tuple[Any, ...]]:
            return rows(database, "SELECT tags FROM customers")

        [(customer, flow, slots)] = await chat.polled(completions, bool)
        await chat.polled(customer_tags, lambda found: found == [('["returned"]',)])
        assert customer == await runtime.store.resolve(chat.identity("ana"))
    assert flow == "returns"
    assert json.loads(slots) == {"order": "A1001", "item": "shoes", "reason": "too small"}
    [(name, tags)] = rows(database, "SELECT name, tags FROM customers")
    assert (name, json.loads(tags)) == ("Ana", ["returned"])
    types = [t for (t,) in rows(database, "SELECT type FROM events ORDER BY rowid")]
    assert types[0] == "customer.created" and "customer.updated" in types


async def test_the_crm_refuses_a_forged_event_and_applies_a_redelivery_once(
    crm: tuple[str, Path]
) -> None:
    url, database = crm
    body = json.dumps({"id": "evt_1", "type": "customer.created", "time": 1.0,
                       "customer_id": "c1", "data": {"profile": {"name": "Eve"}}}).encode()
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers={
                "Omnicanal-Signature": sign("not-the-secret-0123", body)}) as forged:
            assert forged.status == 400
        for _ in range(2):
            async with http.post(url, data=body,
                                 headers={"Omnicanal-Signature": sign(SECRET, body)}) as ok:
                assert ok.status == 204
    assert rows(database, "SELECT id, name FROM customers") == [("c1", "Eve")]
    assert rows(database, "SELECT id FROM events") == [("evt_1",)]

