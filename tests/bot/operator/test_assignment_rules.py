"""Automatic assignment beyond "least busy", over the operator API: a labelled
conversation goes to an operator with that skill, a channel rule to the operators it
names, a rule that finds nobody free falls back to the least busy and says so, and two
assignments at once never give one operator more than their capacity."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.messages import Identity, Inbound
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector

_ids = itertools.count()
OPERATORS = [
    {"id": "ana", "name": "Ana", "token": "token-of-ana-0123456789", "capacity": 1,
     "skills": ["returns"]},
    {"id": "cy", "name": "Cy", "token": "token-of-cy-0123456789", "capacity": 1,
     "skills": ["Returns", "pt"]},
    {"id": "bo", "name": "Bo", "token": "token-of-bo-0123456789"},
    {"id": "sam", "name": "Sam", "role": "supervisor", "token": "token-of-sam-0123456789"},
]
RULES = [{"channel": "webchat", "label": "vip", "skill": "pt"}]


@pytest.fixture
async def runtime(make_settings: Any) -> AsyncIterator[Runtime]:
    settings = make_settings(handoff={"operators": OPERATORS, "assignment": "claim",
                                      "assignment_rules": RULES})
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")]) as rt:
        assert rt.desk is not None
        for operator in ("ana", "bo", "cy"):
            await rt.desk.queue.heartbeat(operator)
        yield rt


async def api(runtime: Runtime, method: str, path: str, body: dict[str, Any] | None = None,
              *, operator: str = "sam") -> Any:
    assert runtime.server is not None
    headers = {"Authorization": f"Bearer token-of-{operator}-0123456789"}
    async with aiohttp.ClientSession(headers=headers) as http, http.request(
            method, f"{runtime.server.url}/operator/api{path}", json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def queued_customer(runtime: Runtime, user: str, labels: list[str]) -> str:
    """A web chat customer with these labels (set by a supervisor), waiting for a person."""
    identity = Identity(channel="webchat", user_id=user)
    await runtime.pipeline.submit([Inbound(identity=identity, message_id=f"m{next(_ids)}",
                                           text="hello")])
    await runtime.settle()
    customer = await runtime.store.resolve(identity)
    if labels:
        await api(runtime, "POST", f"/conversations/{customer}/profile",
                  {"profile": {"tags": labels}})
    await runtime.pipeline.submit([Inbound(identity=identity, message_id=f"m{next(_ids)}",
                                           text="human")])
    await runtime.settle()
    return customer


async def assign(runtime: Runtime, *customers: str, labels: tuple[str, ...] = ()) -> None:
    """Assign these conversations at the same time, as two processes would."""
    desk = runtime.desk
    assert desk is not None
    await asyncio.gather(*(desk.assign(c, act=runtime.pipeline.act, labels=labels,
                                       channel="webchat") for c in customers))
    await runtime.settle()


async def holder(runtime: Runtime, customer: str) -> tuple[str | None, str]:
    """Who has the conversation, and the history line of the take."""
    body = await api(runtime, "GET", f"/conversations/{customer}")
    took = [e["text"] for e in body["transcript"] if "took the conversation" in e["text"]]
    return body["session"]["operator"], took[-1] if took else ""


async def test_two_assignments_at_once_go_to_two_skilled_operators_within_capacity(
    runtime: Runtime,
) -> None:
    first = await queued_customer(runtime, "r1", ["returns"])
    second = await queued_customer(runtime, "r2", ["returns"])
    await assign(runtime, first, second, labels=("returns",))
    holders = {(await holder(runtime, c))[0] for c in (first, second)}
    assert holders == {"ana", "cy"}, "both read the same loads; each got a skilled one"
    operators = (await api(runtime, "GET", "/operators"))["items"]
    assert all(o["active"] <= o["capacity"] for o in operators)
    operator, line = await holder(runtime, first)
    assert "assigned by label returns: skill returns" in line

    third = await queued_customer(runtime, "r3", ["returns"])
    await assign(runtime, third, labels=("returns",))
    operator, line = await holder(runtime, third)
    assert operator == "bo", "the skilled ones are full: the least busy of everyone"
    assert "nobody with skill returns was free" in line and "least busy" in line


async def test_a_channel_rule_prefers_its_skill_and_unlabelled_ones_go_to_the_least_busy(
    runtime: Runtime,
) -> None:
    vip = await queued_customer(runtime, "v1", ["vip"])
    await assign(runtime, vip, labels=("vip",))
    operator, line = await holder(runtime, vip)
    assert operator == "cy" and "rule for label vip and channel webchat" in line

    plain = await queued_customer(runtime, "p1", [])
    await assign(runtime, plain)
    operator, line = await holder(runtime, plain)
    assert operator in ("ana", "bo") and "assigned: least busy" in line


async def test_automatic_assignment_reads_the_labels_of_the_queued_conversation(
    make_settings: Any,
) -> None:
    settings = make_settings(handoff={"operators": OPERATORS, "assignment": "auto"})
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")]) as rt:
        assert rt.desk is not None
        for operator in ("ana", "bo", "cy"):
            await rt.desk.queue.heartbeat(operator)
        await rt.desk.queue.hold("ana", "another")  # Ana is full; Bo comes first by id
        customer = await queued_customer(rt, "auto-1", ["returns"])
        operator, _ = await holder(rt, customer)
        assert operator == "cy", "the only skilled operator with room, not simply Bo"
