"""The catalogue in running bots: two processes on one store, each with a channel of its
own, show the same prices, and a push through the API changes both at once; the push
needs its scope, refuses bad data whole, and is refused under another source. With
``source: http`` a bot polls the ERP before its first turn."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels import Capabilities
from bot.messages import Choices, Identity, Inbound
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector
from tests.bot.catalogue.data import TWO_PRODUCTS, priced
from tests.fakes.erp_api import FakeERP

SHIPPED = Path(__file__).parents[3] / "flows" / "store_assistant" / "catalogue.json"
PUSH_TOKEN = "push-token-0123456789abcdef"
READ_TOKEN = "read-token-0123456789abcdef"
DEMO = {"modules": ["flows.store_assistant"], "default": "menu"}
BUTTONS = Capabilities(max_buttons=10)


def api() -> dict[str, Any]:
    return {"tokens": [{"id": "erp", "token": PUSH_TOKEN, "scopes": ["catalogue:write"]},
                       {"id": "crm", "token": READ_TOKEN, "scopes": ["customers:read"]}]}


class Shopper:
    """One customer on one channel of one process."""

    def __init__(self, runtime: Runtime, connector: CollectingConnector, user: str) -> None:
        self.runtime, self.connector, self.user = runtime, connector, user
        self.identity = Identity(channel=connector.channel, user_id=user)
        self._sent = 0

    async def browse(self) -> list[str]:
        """Ask for the catalogue; the titles (with prices) of the choices offered."""
        self._sent += 1
        await self.runtime.pipeline.submit([Inbound(
            identity=self.identity, message_id=f"{self.user}-{self._sent}", text="/catalogue")])
        await self.runtime.settle()
        offered = [s.message for s in self.connector.to(self.user)
                   if isinstance(s.message, Choices)]
        return [c.title for c in offered[-1].choices]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def push(http: aiohttp.ClientSession, runtime: Runtime, body: Any,
               token: str | None = PUSH_TOKEN) -> tuple[int, dict[str, Any]]:
    assert runtime.server is not None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.put(f"{runtime.server.url}/api/v1/catalogue", data=json.dumps(body),
                        headers=headers) as answer:
        return answer.status, await answer.json()


async def test_a_pushed_price_reaches_two_processes_on_two_channels_at_once(
        make_settings: Any, http: aiohttp.ClientSession) -> None:
    settings = make_settings(flows=DEMO, api=api(),
                             catalogue={"source": "api", "path": str(SHIPPED)})
    web = CollectingConnector(channel="webchat", capabilities=BUTTONS)
    sms = CollectingConnector(channel="whatsapp", capabilities=BUTTONS)
    async with Runtime(settings, connectors=[web]) as first, \
            Runtime(settings, connectors=[sms], serve_http=False) as second:
        ana, bob = Shopper(first, web, "ana"), Shopper(second, sms, "bob")
        assert "Organic cotton T-shirt · €19.90" in await ana.browse()
        assert "Organic cotton T-shirt · €19.90" in await bob.browse()
        cheaper = json.loads(SHIPPED.read_text(encoding="utf-8"))
        cheaper["products"][0]["price_cents"] = 990
        status, answer = await push(http, first, cheaper)
        assert (status, answer) == (200, {"version": 2, "changed": True, "products": 5})
        # No wait: the next message in either process reads the new version.
        assert "Organic cotton T-shirt · €9.90" in await ana.browse()
        assert "Organic cotton T-shirt · €9.90" in await bob.browse()


async def test_a_push_needs_the_catalogue_write_scope_and_valid_data(
        make_settings: Any, http: aiohttp.ClientSession) -> None:
    settings = make_settings(flows=DEMO, api=api(), catalogue={"source": "api"})
    web = CollectingConnector(channel="webchat", capabilities=BUTTONS)
    async with Runtime(settings, connectors=[web]) as runtime:
        assert (await push(http, runtime, TWO_PRODUCTS, token=None))[0] == 401
        status, answer = await push(http, runtime, TWO_PRODUCTS, token=READ_TOKEN)
        assert status == 403 and "catalogue:write" in answer["message"]
        assert (await push(http, runtime, TWO_PRODUCTS))[0] == 200
        shopper = Shopper(runtime, web, "ana")
        assert await shopper.browse() == ["T-shirt · €19.90", "Jeans · €69.00"]
        # A good new price next to a bad one: refused whole, the old catalogue stays.
        spoiled = priced(priced(TWO_PRODUCTS, "tee", 100), "jeans", -1)
        status, answer = await push(http, runtime, spoiled)
        assert status == 422 and answer["error"] == "invalid_catalogue"
        assert "product 'jeans' (products[1]) field price_cents" in answer["message"]
        assert await shopper.browse() == ["T-shirt · €19.90", "Jeans · €69.00"]
        same = await push(http, runtime, TWO_PRODUCTS)
        assert same == (200, {"version": 1, "changed": False, "products": 2})


async def test_a_push_is_refused_when_the_catalogue_comes_from_its_file(
        make_settings: Any, http: aiohttp.ClientSession) -> None:
    settings = make_settings(flows=DEMO, api=api(), catalogue={"path": str(SHIPPED)})
    async with Runtime(settings, connectors=[CollectingConnector()]) as runtime:
        status, answer = await push(http, runtime, TWO_PRODUCTS)
    assert status == 409 and "catalogue.source: api" in answer["message"]


async def test_a_bot_on_the_erp_source_shows_the_erp_prices_from_its_first_turn(
        make_settings: Any) -> None:
    async with FakeERP(TWO_PRODUCTS, token="erp-token") as erp:
        settings = make_settings(flows=DEMO, catalogue={
            "source": "http", "url": f"{erp.base_url}/catalogue",
            "headers": {"Authorization": "Bearer erp-token"}})
        web = CollectingConnector(channel="webchat", capabilities=BUTTONS)
        async with Runtime(settings, connectors=[web]) as runtime:
            assert await Shopper(runtime, web, "ana").browse() == ["T-shirt · €19.90",
                                                                  "Jeans · €69.00"]
    assert erp.requests == [(None, 200)]


async def test_an_erp_down_at_the_first_start_leaves_the_file_s_catalogue(
        make_settings: Any) -> None:
    async with FakeERP(TWO_PRODUCTS) as erp:
        erp.status = 503
        settings = make_settings(flows=DEMO, catalogue={
            "source": "http", "url": f"{erp.base_url}/catalogue", "path": str(SHIPPED)})
        web = CollectingConnector(channel="webchat", capabilities=BUTTONS)
        async with Runtime(settings, connectors=[web]) as runtime:
            assert "Organic cotton T-shirt · €19.90" in await Shopper(runtime, web,
                                                                      "ana").browse()
    assert erp.requests == [(None, 503)]
