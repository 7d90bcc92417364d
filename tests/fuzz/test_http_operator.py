"""Fuzzing the operator API bodies over real HTTP, against a real running ``Runtime``: the
login, and every action on a conversation by a logged-in console (cookie and CSRF token).

The properties: the answer is never 5xx; a refusal of the body itself (400, 404, 413)
writes nothing. (Failed logins count against the limit: that write is the point of them.)
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from redis.asyncio import Redis

from bot.handoff.passwords import hash_password
from bot.messages import Identity, Inbound
from bot.runtime import Runtime
from tests.fuzz.profile import http_settings
from tests.fuzz.store_view import changes, settled_snapshot
from tests.fuzz.strategies import deep, objects, trees

pytestmark = pytest.mark.timeout(300)
PASSWORD = "a long enough secret"
KEYS = ["operator", "password", "text", "flow", "target"]
ACTIONS = ["take", "reply", "note", "handback", "resolve", "transfer", "x"]


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis, password_hash: str
                  ) -> AsyncIterator[Runtime]:
    operators = [{"id": "ana", "password_hash": password_hash, "capacity": 100},
                 {"id": "sam", "role": "supervisor", "password_hash": password_hash}]
    async with Runtime(make_settings(handoff={"operators": operators})) as rt:
        yield rt


@pytest.fixture
async def console(runtime: Runtime) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """A logged-in console of the supervisor, and its CSRF token."""
    assert runtime.server is not None
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(f"{runtime.server.url}/operator/api/login",
                             json={"operator": "sam", "password": PASSWORD}) as response:
            assert response.status == 200
            csrf = (await response.json())["csrf"]
        yield http, csrf


def bodies() -> st.SearchStrategy[bytes]:
    return st.one_of(
        objects(KEYS).map(lambda o: json.dumps(o).encode("utf-8", "surrogatepass")),
        trees(KEYS).map(lambda t: json.dumps(t).encode("utf-8", "surrogatepass")),
        st.binary(max_size=100))


@http_settings
@given(bodies())
@example(b"[" * 4000)  # Found: RecursionError out of the body parsing, answered 500.
@example(json.dumps({"operator": "sam", "password": deep(10)}).encode())
async def test_any_login_body_is_answered_without_a_500(
        runtime: Runtime, redis: Redis, body: bytes) -> None:
    assert runtime.server is not None
    before = await settled_snapshot(runtime, redis)
    async with aiohttp.ClientSession() as http, http.post(
            f"{runtime.server.url}/operator/api/login", data=body,
            headers={"Content-Type": "application/json"}) as response:
        status = response.status
    assert status in (200, 400, 401, 413, 429)
    if status in (400, 413):
        assert changes(before, await settled_snapshot(runtime, redis)) == {}


@http_settings
@given(st.sampled_from(ACTIONS), st.booleans(), bodies())
@example("reply", True, b"[" * 60_000)  # Found: RecursionError, answered 500.
async def test_any_action_body_is_answered_and_a_refusal_writes_nothing(
        runtime: Runtime, redis: Redis, console: tuple[aiohttp.ClientSession, str],
        action: str, known: bool, body: bytes) -> None:
    http, csrf = console
    assert runtime.server is not None
    customer = await _customer(runtime) if known else "nobody"
    before = await settled_snapshot(runtime, redis)
    async with http.post(
            f"{runtime.server.url}/operator/api/conversations/{customer}/{action}",
            data=body, headers={"X-CSRF-Token": csrf,
                                "Content-Type": "application/json"}) as response:
        status = response.status
    assert status < 500
    if status in (400, 404, 413):
        assert changes(before, await settled_snapshot(runtime, redis),
                       allowed=("online",)) == {}


@pytest.mark.parametrize("value", ["é", "😀", "%00", "a b", "\u202e"])
async def test_a_customer_id_of_any_text_is_a_404(
        runtime: Runtime, console: tuple[aiohttp.ClientSession, str], value: str) -> None:
    http, csrf = console
    assert runtime.server is not None
    async with http.post(f"{runtime.server.url}/operator/api/conversations/{value}/take",
                         json={}, headers={"X-CSRF-Token": csrf}) as response:
        assert response.status == 404


async def _customer(runtime: Runtime) -> str:
    """A web chat customer who has written (made once, then found again)."""
    identity = Identity(channel="webchat", user_id="fuzz-visitor")
    customer = await runtime.store.resolve(identity)
    if not await runtime.store.identities(customer):
        await runtime.pipeline.submit([Inbound(identity=identity, message_id="m1",
                                               text="hi")])
        await runtime.settle()
        customer = await runtime.store.resolve(identity)
    return customer
