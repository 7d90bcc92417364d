"""``turn.services.http`` over real HTTP: idempotent calls are retried through a passing
failure, a call that is not idempotent is not, and a hung server costs the timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.errors import ServiceError
from bot.services.http import HttpService
from tests.fakes.local_server import LocalServer


class FlakyAPI(LocalServer):
    """Answers 503 to the first ``failures`` calls, then 200 with JSON; ``/hang`` never
    answers."""

    shutdown_timeout = 0.1

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/orders", self._orders)
        app.router.add_get("/hang", self._hang)
        return app

    async def _orders(self, request: web.Request) -> web.Response:
        self.calls.append(request.method)
        if len(self.calls) <= self.failures:
            return web.Response(status=503)
        return web.json_response({"number": "A1001", "status": "shipped"})

    async def _hang(self, request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response()


@pytest.fixture
async def client() -> AsyncIterator[HttpService]:
    service = HttpService(timeout_seconds=0.5, retries=2, backoff_seconds=0.01)
    yield service
    await service.close()


async def test_a_get_is_retried_through_a_passing_failure(client: HttpService) -> None:
    async with FlakyAPI(failures=2) as api:
        answer = await client.get_json(f"{api.base_url}/orders?key=secret")
    assert answer == {"number": "A1001", "status": "shipped"}
    assert api.calls == ["GET", "GET", "GET"]


async def test_a_post_without_an_idempotency_key_is_sent_once(client: HttpService) -> None:
    async with FlakyAPI(failures=1) as api:
        once = await client.request("POST", f"{api.base_url}/orders", json_body={"a": 1})
        keyed = await client.request("POST", f"{api.base_url}/orders", json_body={"a": 1},
                                     headers={"Idempotency-Key": "k1"})
    assert (once.status, keyed.status) == (503, 200)
    assert api.calls == ["POST", "POST"]


async def test_retries_running_out_say_what_failed_without_the_query(
        client: HttpService) -> None:
    async with FlakyAPI(failures=10) as api:
        with pytest.raises(ServiceError) as failed:
            await client.get_json(f"{api.base_url}/orders?key=secret")
    assert "GET http://127.0.0.1" in str(failed.value)
    assert "answered 503" in str(failed.value) and "secret" not in str(failed.value)
    assert len(api.calls) == 3


async def test_a_hung_server_costs_the_timeout_per_attempt() -> None:
    service = HttpService(timeout_seconds=0.2, retries=1, backoff_seconds=0)
    try:
        async with FlakyAPI(failures=0) as api:
            started = asyncio.get_running_loop().time()
            with pytest.raises(ServiceError, match=r"no answer within 0\.2s"):
                await service.get_json(f"{api.base_url}/hang")
            assert asyncio.get_running_loop().time() - started < 2
    finally:
        await service.close()
