"""A real runtime with WhatsApp, Messenger and SMS pointed at the fake platforms (real
HTTP), the web chat, the API enabled with tokens, and a customer who writes on them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.consent.ledger import MARKETING, decide
from bot.dialogue import Ask, End, Flow, StepResult, Turn, command
from bot.dialogue.loading import load_flows
from bot.dialogue.texts import Texts
from bot.messages import Identity
from bot.model import Event, Profile
from bot.runtime import Runtime
from tests.conftest import TEST_FLOWS
from tests.connectors.meta.conftest import Meta, connector_sections
from tests.connectors.sms.conftest import Texter, sms_section, twilio
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.twilio_api import NUMBER, FakeTwilio

WA_ID = "34600111222"
PSID = "7001"
SEND_TOKEN = "send-token-0123456789abcdef"
READ_TOKEN = "read-token-0123456789abcdef"
WRITE_TOKEN = "write-token-0123456789abcdef"
TALK_TOKEN = "talk-token-0123456789abcdef"

optin = Flow("optin", triggers=command("optin"))


@optin.step
async def grant(turn: Turn) -> StepResult:
    """A flow's opt-in on the channel it runs on, with the words agreed to."""
    decide(turn.profile, MARKETING, True, channel=turn.channel, scope=turn.channel,
           source="flow:optin", text="Offers here? Reply STOP to leave.")
    turn.say("subscribed")
    return End()


REMIND_AFTER = 0.4
reminding = Flow("remindme", triggers=command("remindme"), texts=Texts({
    "en": {"size.ask": "What size?", "size.reminder": "Still there? Your {item} waits.",
           "size.done": "Size {size} noted."},
    "es": {"size.reminder": "¿Sigues ahí? Tu {item} te espera."}}))


@reminding.step
async def ask_size(turn: Turn) -> StepResult:
    """Ask, and if no answer comes, remind them (then ask again)."""
    turn.remind_in(seconds=REMIND_AFTER, text_key="size.reminder", item="blue mug")
    return Ask("size", turn.t("size.ask"), then=noted)


@reminding.step
async def noted(turn: Turn) -> StepResult:
    turn.say(turn.t("size.done", size=turn.slots["size"]))
    return End()


ENTRY_POINTS: dict[str, Any] = {
    "shop_madrid": {"title": {"en": "Chat with Omnicanal Store"}, "flow": "optin",
                    "campaign": "spring"},
    "flyer": {}}

TEMPLATES: dict[str, Any] = {
    "order_shipped": {
        "text": {"en": "Your order {order} has shipped.", "es": "Tu pedido {order} ha salido."},
        "platforms": {"whatsapp": {"name": "order_update", "languages": {"es": "es_ES"},
                                   "parameters": ["order"]}}},
    "weekly_offer": {"purpose": "marketing", "text": {"en": "This week: {deal}."}},
}


def api_section() -> dict[str, Any]:
    return {"tokens": [
        {"id": "erp", "token": SEND_TOKEN, "scopes": ["notifications:send"]},
        {"id": "crm", "token": WRITE_TOKEN, "scopes": ["customers:write", "customers:read"]},
        {"id": "reader", "token": READ_TOKEN, "scopes": ["customers:read"]},
        {"id": "support", "token": TALK_TOKEN, "scopes": ["conversations:read"]}]}


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI(enforce_window=True) as fake:
        yield fake


def channel_sections(graph: FakeGraphAPI, twilio: FakeTwilio) -> dict[str, Any]:
    """WhatsApp and Messenger on the fake Graph server, SMS on the fake Twilio, the web
    chat."""
    sections = connector_sections(graph, whatsapp={"display_phone_number": "+1 555 000 1111"},
                                  messenger={"page_id": "PAGE_ID"})
    sections.pop("instagram")
    sections["webchat"] = {"enabled": True}
    sections["sms"] = sms_section(twilio)
    return sections


@pytest.fixture
def settings(make_settings: Any, graph: FakeGraphAPI, twilio: FakeTwilio,
             redis: Redis) -> Any:
    # Depending on ``redis`` flushes the shared server: every test starts with no customers.
    return make_settings(connectors=channel_sections(graph, twilio), api=api_section(),
                         notifications={"templates": TEMPLATES},
                         reminders={"poll_seconds": 0.05}, entry_points=ENTRY_POINTS)


def flows_for_reaching() -> list[Flow]:
    return [*load_flows(TEST_FLOWS["modules"]), optin, reminding]


@pytest.fixture
async def runtime(settings: Any) -> AsyncIterator[Runtime]:
    async with Runtime(settings, flows=flows_for_reaching()) as rt:
        yield rt


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Customer:
    """One person on WhatsApp (``WA_ID``) and SMS (the same number), through the fakes."""

    def __init__(self, runtime: Runtime, meta: Meta, phone: Texter,
                 graph: FakeGraphAPI) -> None:
        self.runtime, self.meta, self.phone, self.graph = runtime, meta, phone, graph
        self.whatsapp = Identity(channel="whatsapp", account="PNID", user_id=WA_ID)

    async def on_whatsapp(self, text: str) -> None:
        self.graph.customer_wrote(WA_ID)  # its window opens, as on WhatsApp
        assert await self.meta.whatsapp(hooks.whatsapp_text(wa_id=WA_ID, text=text)) == 200

    async def id(self) -> str:
        return await self.runtime.store.resolve(self.whatsapp)

    async def link_sms(self) -> None:
        """The SMS number joins the WhatsApp customer (as a confirmed link would)."""
        await self.runtime.store.assign_identity(self.phone.identity(), await self.id())

    async def profile(self) -> Profile:
        return (await self.runtime.store.load(await self.id()))[1]

    async def history(self) -> list[Event]:
        return await self.runtime.store.history(await self.id())


@pytest.fixture
def customer(runtime: Runtime, http: aiohttp.ClientSession, twilio: FakeTwilio,
             graph: FakeGraphAPI) -> Customer:
    return Customer(runtime, Meta(http, runtime), Texter(runtime, twilio), graph)


__all__ = ["NUMBER", "Customer", "twilio"]
