"""The summary of a conversation that came to a person, over the operator API: the
structured one (flow and step by their titles, answers by slot titles, why, the last
three messages) always; the generated one from the fake OpenAI-compatible server when
``handoff.generated_summary`` is on; the structured one alone when the model fails."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.messages import Identity, Inbound
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.fakes.openai_api import FakeOpenAI

_ids = itertools.count()
OPERATORS = [{"id": "ana", "name": "Ana", "token": "token-of-ana-0123456789"}]


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


def settings_with(make_settings: Any, llm: FakeOpenAI, *, generated: bool) -> Any:
    return make_settings(
        handoff={"operators": OPERATORS, "generated_summary": generated},
        understanding={"provider": "openai", "openai": {
            "base_url": llm.base_url, "model": "test-model", "api_key": "sk-test"}})


async def a_reported_fault_handed_over(runtime: Runtime) -> str:
    identity = Identity(channel="webchat", user_id="s1")
    for text in ("report", "t100", "screen", "human"):
        await runtime.pipeline.submit([Inbound(identity=identity, message_id=f"m{next(_ids)}",
                                               text=text)])
        await runtime.settle()
    return await runtime.store.resolve(identity)


async def summary_of(runtime: Runtime, customer: str) -> Any:
    assert runtime.server is not None
    headers = {"Authorization": "Bearer token-of-ana-0123456789"}
    async with aiohttp.ClientSession(headers=headers) as http, http.get(
            f"{runtime.server.url}/operator/api/conversations/{customer}/summary") as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_the_structured_summary_and_a_generated_one(make_settings: Any,
                                                          llm: FakeOpenAI) -> None:
    settings = settings_with(make_settings, llm, generated=True)
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")]) as rt:
        customer = await a_reported_fault_handed_over(rt)
        llm.answer(("write_summary", {"summary": "Reports a faulty screen on T100."}),
                   match="Conversation:")
        body = await summary_of(rt, customer)
    summary = body["summary"]
    assert summary["flow"] == "a fault report"
    assert summary["step"] == "Ask problem", "the step waiting for an answer, made readable"
    assert {a["title"]: a["value"] for a in summary["answers"]} == {
        "Ticket": "T100", "Part": "screen"}
    assert summary["reason"]
    assert [m["author"] for m in summary["last_messages"]][-1] == "bot"
    assert len(summary["last_messages"]) == 3
    assert body["generated"] == "Reports a faulty screen on T100."
    sent = llm.requests[-1]
    assert sent["tools"][0]["function"]["name"] == "write_summary"
    assert "T100" in sent["messages"][-1]["content"]


async def test_a_failing_model_leaves_the_structured_summary_alone(make_settings: Any,
                                                                   llm: FakeOpenAI) -> None:
    settings = settings_with(make_settings, llm, generated=True)
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")]) as rt:
        customer = await a_reported_fault_handed_over(rt)
        llm.fail(500, match="Conversation:")
        body = await summary_of(rt, customer)
    assert body["generated"] is None and body["generated_error"]
    assert body["summary"]["flow"] == "a fault report"


async def test_no_generated_summary_unless_asked_for(make_settings: Any,
                                                     llm: FakeOpenAI) -> None:
    settings = settings_with(make_settings, llm, generated=False)
    async with Runtime(settings, connectors=[CollectingConnector(channel="webchat")]) as rt:
        customer = await a_reported_fault_handed_over(rt)
        before = len(llm.requests)
        body = await summary_of(rt, customer)
    assert body["generated"] is None and len(llm.requests) == before
