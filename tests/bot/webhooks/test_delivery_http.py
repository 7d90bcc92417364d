"""The deliverer over its own HTTP client: an https endpoint whose certificate a test CA
signed, and a redirecting endpoint (a failure: redirects are not followed)."""

from __future__ import annotations

import json

import trustme

from bot.config.events import EventsSettings
from bot.store.store import Store
from bot.webhooks.http_client import WebhookClient
from bot.webhooks.signing import HEADER, verify
from tests.bot.webhooks.conversation import polled
from tests.bot.webhooks.test_delivery_runs import SECRET, delivering, waiting
from tests.bot.webhooks.test_http_client import tls_server, trusting
from tests.fakes.raw_http import Answer, RawHttpServer, Received


async def test_events_reach_an_https_endpoint_signed_in_order(store: Store) -> None:
    ca = trustme.CA()
    async with RawHttpServer(ssl_context=tls_server(ca)) as server:
        ids = await waiting(store, ["crm"], "c1", 5)
        assert store.events is not None
        settings = EventsSettings(subscriptions=[
            {"url": server.url(host="localhost"), "secret": SECRET, "name": "crm"}])
        async with delivering(store.events, settings,
                              http=WebhookClient(ssl_context=trusting(ca))):
            await polled(lambda: _count(server), lambda n: n >= len(ids))
        assert [json.loads(r.body)["id"] for r in server.received] == ids
        assert all(verify(SECRET, r.body, r.header(HEADER) or "") for r in server.received)
        assert server.connections == 1


async def test_a_redirecting_endpoint_fails_and_its_events_become_dead_letters(
    store: Store,
) -> None:
    async def moved(request: Received) -> Answer | None:
        return Answer([b"HTTP/1.1 308 Permanent Redirect\r\nLocation: /v2/events\r\n"
                       b"Content-Length: 0\r\n\r\n"])

    async with RawHttpServer(moved) as server:
        ids = await waiting(store, ["crm"], "c1", 1)
        assert store.events is not None
        outbox = store.events
        settings = EventsSettings(
            subscriptions=[{"url": server.url(), "secret": SECRET, "name": "crm"}],
            retry_for_seconds=0.3, backoff_initial_seconds=0.05, backoff_max_seconds=0.1)
        async with delivering(outbox, settings):
            letters = await polled(outbox.dead_letters, lambda found: len(found) == 1)
        assert [d.event_id for d in letters] == ids
        assert letters[0].error.startswith("HTTP 308 (redirects are not followed")
        assert {r.head.split(b" ")[1] for r in server.received} == {b"/events"}


async def _count(server: RawHttpServer) -> int:
    return len(server.received)
