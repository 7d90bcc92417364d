"""schemathesis fuzzes the business API against its own OpenAPI document: a real bot
over HTTP on 127.0.0.1, a bounded number of examples per operation. No answer may be a
5xx, and every answer must match the document (status, content type, schema).

The bot runs in a thread with its own event loop: schemathesis calls it synchronously,
which would block a loop shared with the test. A customer is seeded, and a hook puts
its id in about a fifth of the generated paths, so the answers for a customer that exists are
fuzzed too, not only the 404s; another keeps most queries to what can pass the first
checks (no forged cursor, one lookup), so the answers past them are fuzzed as well.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bot.api.customers import LOOKUPS
from bot.api.openapi import document
from bot.config import parse_settings
from bot.messages import Identity, Inbound
from bot.runtime import Runtime
from bot.store.client import connect
from tests.conftest import TEST_FLOWS
from tests.servers import CLUSTER

TOKEN = "fuzz-token-0123456789abcdefgh"
SCOPES = ["notifications:send", "customers:read", "customers:write", "customers:erase",
          "conversations:read", "events:manage"]
EXAMPLES = 25
#: What the API promises: never a 5xx, and every answer as documented. Not whether the
#: document's schemas say all the rules (a phone number's form, a template's name): the
#: answers for those are documented 400s and 422s.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]

pytestmark = [pytest.mark.timeout(300)]

#: Making a subscription is left out: its generated URLs could name any host, and the
#: bot would post events there (tests send traffic to 127.0.0.1 only).
schema = schemathesis.openapi.from_dict(document()).exclude(
    path="/events/subscriptions", method="POST")
seeded: list[str] = []


@schema.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    if path_parameters and seeded and len(str(path_parameters.get("customer_id", "x"))) % 5 == 0:
        return {**path_parameters, "customer_id": seeded[0]}
    return path_parameters


@schema.hook
def map_query(context: Any, query: dict[str, Any] | None) -> Any:
    """Past the first checks more often: a generated cursor is never one the API signed
    and two lookups at once are always refused, so two cases in three keep no cursor and
    one lookup at most (the rest are sent as generated)."""
    if not query or len(str(query)) % 3 == 0:
        return query
    kept = {name: value for name, value in query.items() if name != "cursor"}
    for extra in [name for name in kept if name in LOOKUPS][1:]:
        del kept[extra]
    return kept


class BotThread:
    """A runtime serving on 127.0.0.1 from its own thread, until ``stop``."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fuzzed-bot", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(60) or self._failure is not None:
            raise RuntimeError(f"the bot did not start: {self._failure!r}")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # told to the test through start()
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        redis = connect(self.raw["store"]["url"], cluster=CLUSTER)
        await redis.flushall()
        await redis.aclose()
        async with Runtime(parse_settings(self.raw, env={})) as runtime:
            assert runtime.server is not None
            web = Identity(channel="webchat", account="web", user_id="fuzzed-visitor")
            await runtime.pipeline.submit([Inbound(identity=web, message_id="m1", text="hi")])
            await runtime.settle()
            seeded.append(await runtime.store.resolve(web))
            self.url = runtime.server.url
            self._ready.set()
            await self._stop.wait()


@pytest.fixture(scope="module")
def bot_url(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = Path(tmp_path_factory.mktemp("fuzz")) / "data"
    bot = BotThread({
        "store": {"url": redis_url, "data_dir": str(data), "cluster": CLUSTER},
        "server": {"port": 0}, "flows": dict(TEST_FLOWS),
        "connectors": {"webchat": {"enabled": True}},
        "api": {"tokens": [{"id": "fuzz", "token": TOKEN, "scopes": SCOPES}]},
        "notifications": {"templates": {"shipped": {"text": {"en": "Order {order} left."}}}},
        "events": {"subscriptions": [{"url": "http://127.0.0.1:9/hooks",
                                      "secret": "whsec-0123456789abcdef"}]}})
    bot.start()
    try:
        yield bot.url
    finally:
        bot.stop()
        seeded.clear()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_every_request_as_its_document_says(case: Any, bot_url: str) -> None:
    case.call_and_validate(base_url=f"{bot_url}/api/v1",
                           headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
