"""Webhook subscriptions through the API (scope ``events:manage``) over real HTTP: one
made beside config.yaml's receives, signed, the events committed from its creation on
and none of the customers' earlier ones (config.yaml's endpoint got those); its secret is
never shown; deleted, it receives nothing more; without config.yaml subscriptions at
all, an API-made one still gets every event; one made with ``batch`` gets a customer's
waiting events together; bad requests and other scopes are refused.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest

from bot.runtime import Runtime
from tests.bot.webhooks.conversation import identity, polled, returns, say
from tests.fakes.webhook_receiver import FakeReceiver

CONFIG_SECRET = "whsec-config-0123456789abcdef"
API_SECRET = "whsec-api-0123456789abcdefgh"
OPS = "ops-token-0123456789-abcdefghij"
CRM = "crm-token-0123456789-abcdefghij"
TOKENS = [{"id": "ops", "token": OPS, "scopes": ["events:manage"]},
          {"id": "crm", "token": CRM, "scopes": ["customers:write", "customers:read"]}]

pytestmark = pytest.mark.timeout(90)


async def call(runtime: Runtime, method: str, path: str, token: str = OPS,
               body: Any = None) -> tuple[int, Any]:
    assert runtime.server is not None
    async with aiohttp.ClientSession() as http, http.request(
            method, f"{runtime.server.url}/api/v1{path}", json=body,
            headers={"Authorization": f"Bearer {token}"}) as answer:
        return answer.status, await answer.json()


def events_settings(make_settings: Any, subscriptions: list[dict[str, Any]]) -> Any:
    return make_settings(
        flows={"default": "returns"}, linking={"enabled": False},
        handoff={"enabled": False}, api={"tokens": TOKENS},
        events={"subscriptions": subscriptions, "refresh_seconds": 0.05,
                "backoff_initial_seconds": 0.05, "backoff_max_seconds": 0.2})


async def known(runtime: Runtime) -> set[str]:
    """The subscriptions this process's delivery worker knows now."""
    assert runtime.events is not None
    return set(runtime.events.subscriptions)


async def subscribe(runtime: Runtime, url: str, **extra: Any) -> dict[str, Any]:
    status, made = await call(runtime, "POST", "/events/subscriptions",
                              body={"url": url, "secret": API_SECRET, **extra})
    assert status == 201, made
    await polled(lambda: known(runtime), lambda names: made["id"] in names)
    return dict(made)


async def test_a_new_subscription_gets_events_from_its_creation_on(make_settings: Any) -> None:
    async with FakeReceiver(CONFIG_SECRET) as configured, FakeReceiver(API_SECRET) as made:
        configured.fail_until = time.monotonic() + 3600  # its backlog stays in the stream
        settings = events_settings(make_settings, [{"url": configured.url,
                                                    "secret": CONFIG_SECRET}])
        async with Runtime(settings, flows=[returns]) as runtime:
            await say(runtime, "ana", 0, "hi")
            await runtime.settle()
            await configured.wait_failed()
            subscription = await subscribe(runtime, made.url,
                                           types=["message.received", "customer.updated"])
            assert "secret" not in subscription and subscription["source"] == "api"

            await say(runtime, "ana", 1, "A1001")
            await runtime.settle()
            customer_id = await runtime.store.resolve(identity("ana"))
            status, _ = await call(runtime, "PATCH", f"/customers/{customer_id}", CRM,
                                   {"tags": ["vip"]})
            assert status == 202
            await runtime.settle()
            await made.wait_for(2)
            assert [e["type"] for e in made.received] == ["message.received",
                                                          "customer.updated"]
            assert made.received[0]["data"]["text"] == "A1001"
            assert made.received[1]["data"]["profile"]["tags"] == ["vip"]
            configured.fail_until = 0  # config.yaml's endpoint gets everything, in order
            await configured.wait_for(6)
            assert configured.received[0]["type"] == "customer.created"
            assert not made.ids() - configured.ids() and made.forged == 0

            status, listed = await call(runtime, "GET", "/events/subscriptions")
            assert status == 200 and {s["source"] for s in listed["subscriptions"]} == \
                {"api", "config"}
            assert all("secret" not in s for s in listed["subscriptions"])
            assert API_SECRET not in str(listed)
            config_id = next(s["id"] for s in listed["subscriptions"]
                             if s["source"] == "config")
            assert (await call(runtime, "DELETE", f"/events/subscriptions/{config_id}"))[0] \
                == 409
            status, _ = await call(runtime, "DELETE",
                                   f"/events/subscriptions/{subscription['id']}")
            assert status == 200
            await polled(lambda: known(runtime), lambda names: subscription["id"] not in names)
            delivered = len(configured.ids())
            await say(runtime, "ana", 2, "shoes")
            await runtime.settle()
            await configured.wait_for(delivered + 1)
            await asyncio.sleep(0.3)
            assert len(made.received) == 2
            assert (await call(runtime, "DELETE",
                               f"/events/subscriptions/{subscription['id']}"))[0] == 404


async def test_without_config_subscriptions_an_api_one_gets_every_event(
        make_settings: Any) -> None:
    async with FakeReceiver(API_SECRET) as receiver, Runtime(
            events_settings(make_settings, []), flows=[returns]) as runtime:
        await subscribe(runtime, receiver.url)
        await say(runtime, "bea", 0, "hi")
        await runtime.settle()
        await receiver.wait_for(3)
        assert [e["type"] for e in receiver.received][:2] == ["customer.created",
                                                              "message.received"]


async def test_an_api_subscription_with_a_batch_gets_waiting_events_together(
        make_settings: Any) -> None:
    async with FakeReceiver(API_SECRET) as receiver, Runtime(
            events_settings(make_settings, []), flows=[returns]) as runtime:
        made = await subscribe(runtime, receiver.url, batch=10)
        assert made["batch"] == 10
        receiver.fail_until = time.monotonic() + 3600  # the customer's events wait
        await say(runtime, "cai", 0, "hi")
        await say(runtime, "cai", 1, "A1001")
        await runtime.settle()
        await receiver.wait_failed()
        receiver.fail_until = 0
        await receiver.wait_for(5)
        # The retry carries what waited, in one envelope (the receiver checks its
        # Omnicanal-Event-Count against the events in it).
        assert max(count for _, count in receiver.requests) > 1
        assert [e["type"] for e in receiver.received][:2] == ["customer.created",
                                                              "message.received"]
        status, listed = await call(runtime, "GET", "/events/subscriptions")
        assert status == 200 and listed["subscriptions"][0]["batch"] == 10


async def test_bad_subscriptions_and_other_scopes_are_refused(make_settings: Any) -> None:
    async with Runtime(events_settings(make_settings, []), flows=[returns]) as runtime:
        for body in ({"url": "ftp://x.example/hooks", "secret": API_SECRET},
                     {"url": "https://x.example/hooks", "secret": "short"},
                     {"url": "https://x.example/hooks", "secret": API_SECRET,
                      "types": ["order.eaten"]},
                     {"url": "https://x.example/hooks", "secret": API_SECRET, "name": "x"},
                     {"url": "https://x.example/hooks", "secret": API_SECRET, "batch": 0},
                     {"url": "https://x.example/hooks", "secret": API_SECRET, "batch": 101},
                     {"url": "https://x.example/hooks", "secret": API_SECRET,
                      "batch": "many"},
                     {"secret": API_SECRET}):
            status, problem = await call(runtime, "POST", "/events/subscriptions", body=body)
            assert status == 400 and problem["error"] == "invalid_request", body
        for method, path in (("GET", "/events/subscriptions"),
                             ("POST", "/events/subscriptions"),
                             ("DELETE", "/events/subscriptions/api-x")):
            status, _ = await call(runtime, method, path, CRM,
                                   {"url": "https://x.example", "secret": API_SECRET})
            assert status == 403, path
        status, listed = await call(runtime, "GET", "/events/subscriptions")
        assert status == 200 and listed == {"subscriptions": [], "next_cursor": None}
