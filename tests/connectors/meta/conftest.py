"""A real runtime with WhatsApp, Messenger and Instagram enabled, pointed at a fake Graph API, and a
client that posts webhooks signed the way Meta signs them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.runtime import Runtime
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI

APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-me"
WA_PATH = "/webhooks/whatsapp"
MS_PATH = "/webhooks/messenger"
IG_PATH = "/webhooks/instagram"
IG_USERNAME = "omnicanal_shop"


def connector_sections(graph: FakeGraphAPI, **overrides: Any) -> dict[str, Any]:
    whatsapp = {"access_token": "wa-token", "phone_number_id": "PNID",
                "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN,
                "graph_base": graph.base_url, **overrides.get("whatsapp", {})}
    messenger = {"page_token": "page-token", "app_secret": APP_SECRET,
                 "verify_token": VERIFY_TOKEN, "graph_base": graph.base_url,
                 **overrides.get("messenger", {})}
    instagram = {"access_token": "ig-token", "app_secret": APP_SECRET,
                 "verify_token": VERIFY_TOKEN, "graph_base": graph.base_url,
                 "username": IG_USERNAME, **overrides.get("instagram", {})}
    return {"webchat": {"enabled": False}, "whatsapp": whatsapp, "messenger": messenger,
            "instagram": instagram}


class Meta:
    """Posts webhook deliveries to the runtime like Meta does."""

    def __init__(self, http: aiohttp.ClientSession, runtime: Runtime) -> None:
        assert runtime.server is not None
        self.http, self.runtime, self.base = http, runtime, runtime.server.url

    async def post(self, path: str, payload: dict[str, Any], *, settle: bool = True) -> int:
        body, headers = hooks.signed_delivery(payload, APP_SECRET)
        return await self.post_raw(path, body, headers, settle=settle)

    async def post_raw(self, path: str, body: bytes, headers: dict[str, str], *,
                       settle: bool = True) -> int:
        async with self.http.post(self.base + path, data=body, headers=headers) as response:
            status = response.status
        if settle:
            await self.runtime.settle()
        return status

    async def whatsapp(self, payload: dict[str, Any]) -> int:
        return await self.post(WA_PATH, payload)

    async def messenger(self, payload: dict[str, Any]) -> int:
        return await self.post(MS_PATH, payload)

    async def instagram(self, payload: dict[str, Any]) -> int:
        return await self.post(IG_PATH, payload)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture
async def runtime(make_settings: Any, graph: FakeGraphAPI, redis: Redis) -> AsyncIterator[Runtime]:
    # Depending on ``redis`` flushes the shared server: every test starts with no customers.
    async with Runtime(make_settings(connectors=connector_sections(graph))) as rt:
        yield rt


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def meta(http: aiohttp.ClientSession, runtime: Runtime) -> Meta:
    return Meta(http, runtime)


async def history_of(runtime: Runtime, channel: str, user_id: str) -> list[Any]:
    """The history of the customer behind an identity ([] when there is none)."""
    from bot.messages import Identity

    account = {"whatsapp": "PNID", "instagram": "IG_ID"}.get(channel, "PAGE_ID")
    customer = await runtime.store.resolve(Identity(channel=channel, account=account,
                                                    user_id=user_id))
    return await runtime.store.history(customer)
