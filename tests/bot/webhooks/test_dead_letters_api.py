"""Dead letters over the business API: listed and replayed by a token with
``events:manage``, refused to one without it; every route is in the OpenAPI document."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest

from bot.runtime import Runtime
from tests.bot.webhooks.conversation import polled, returns, say
from tests.fakes.webhook_receiver import FakeReceiver

SECRET = "whsec-0123456789abcdef"
OPS = "ops-token-0123456789-abcdefghij"
READER = "reader-token-0123456789-abcdefg"

pytestmark = pytest.mark.timeout(60)


async def call(runtime: Runtime, method: str, path: str, token: str = OPS,
               body: Any = None) -> tuple[int, Any]:
    assert runtime.server is not None
    async with aiohttp.ClientSession() as http, http.request(
            method, f"{runtime.server.url}/api/v1{path}", json=body,
            headers={"Authorization": f"Bearer {token}"}) as answer:
        return answer.status, await answer.json()


async def test_dead_letters_are_listed_and_replayed_over_the_api(make_settings: Any) -> None:
    async with FakeReceiver(SECRET) as receiver:
        receiver.fail_until = time.monotonic() + 3600
        tokens = [{"id": "ops", "token": OPS, "scopes": ["events:manage"]},
                  {"id": "reader", "token": READER, "scopes": ["customers:read"]}]
        settings = make_settings(
            flows={"default": "returns"}, linking={"enabled": False},
            handoff={"enabled": False}, api={"tokens": tokens},
            events={"subscriptions": [{"url": receiver.url, "secret": SECRET}],
                    "backoff_initial_seconds": 0.05, "backoff_max_seconds": 0.1,
                    "retry_for_seconds": 0.3})
        async with Runtime(settings, flows=[returns]) as runtime:
            await say(runtime, "ana", 0, "hi")
            await runtime.settle()

            async def listed() -> list[dict[str, Any]]:
                return list((await call(runtime, "GET", "/events/dead-letters"))[1]
                            ["dead_letters"])

            letters = await polled(listed, lambda found: len(found) >= 3)
            assert {d["error"] for d in letters} == {"HTTP 500"}
            status, _ = await call(runtime, "GET", "/events/dead-letters", token=READER)
            assert status == 403
            receiver.fail_until = 0
            for letter in letters:
                coordinates = {k: letter[k] for k in ("customer_id", "subscription",
                                                      "event_id")}
                status, _ = await call(runtime, "POST", "/events/dead-letters/replay",
                                       body=coordinates)
                assert status == 202
                status, body = await call(runtime, "POST", "/events/dead-letters/replay",
                                          body=coordinates)
                assert status == 404 and body["error"] == "unknown_dead_letter"
            await receiver.wait_for(3)
            assert [e["id"] for e in receiver.received] == [d["event_id"] for d in letters]
            status, body = await call(runtime, "POST", "/events/dead-letters/replay",
                                      body={"customer_id": "x"})
            assert status == 400
            assert await listed() == []
            # Every served /api/v1 route is documented.
            assert runtime.server is not None
            served = {(r.method.lower(), r.resource.canonical.removeprefix("/api/v1"))
                      for r in runtime.server.app.router.routes()
                      if r.resource is not None
                      and r.resource.canonical.startswith("/api/v1/") and r.method != "HEAD"}
            _, document = await call(runtime, "GET", "/openapi.json")
            documented = {(m, p) for p, item in document["paths"].items() for m in item}
            assert served - {("get", "/openapi.json")} <= documented
