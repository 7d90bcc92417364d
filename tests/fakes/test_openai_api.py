"""Tests of the fake OpenAI-compatible server itself: the masking tests lean on it
refusing personal data, and the provider tests on it refusing malformed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from .openai_api import FakeOpenAI

HAND_OFF = {"type": "function", "function": {
    "name": "hand_off", "parameters": {"type": "object", "properties": {}}}}


def completion(text: str = "hello", **fields: Any) -> dict[str, Any]:
    return {"model": "test-model", "tools": [HAND_OFF],
            "messages": [{"role": "user", "content": text}], **fields}


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake


async def post(llm: FakeOpenAI, body: dict[str, Any], key: str = "sk-test") -> int:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {key}"}) as http, \
            http.post(f"{llm.base_url}/chat/completions", json=body) as answer:
        return answer.status


async def test_unmasked_phone_numbers_and_emails_are_refused(llm: FakeOpenAI) -> None:
    for text in ("call me on +34 600 111 222", "or 600 111 222", "(555) 123-4567",
                 "ana@example.com"):
        assert await post(llm, completion(text)) == 400, text
    assert await post(llm, completion("<phone_1>, <email_1>, order A1001, 2026-11-22")) == 200
    assert len(llm.rejected) == 4 and llm.answered == 1


@pytest.mark.parametrize(("body", "status"), [
    (completion(model="other"), 404),
    (completion(tools=[]), 400),
    (completion(tools=[{"type": "function", "function": {"name": "bad name!",
                                                         "parameters": HAND_OFF}}]), 400),
    (completion(tools=[{"type": "function", "function": {
        "name": "x", "parameters": {"type": "object", "properties": {}, "required": ["y"]}}}]),
     400),
    (completion(tools=[HAND_OFF, HAND_OFF]), 400),
    (completion(messages=[{"role": "robot", "content": "hi"}]), 400),
], ids=["model", "no-tools", "tool-name", "required", "duplicate-tools", "role"])
async def test_malformed_requests_are_refused(llm: FakeOpenAI, body: dict[str, Any],
                                              status: int) -> None:
    assert await post(llm, body) == status
    assert await post(llm, completion(), key="sk-other") == 401
    assert not llm.requests
