"""The heart of the mission, end to end over real HTTP: a form started on Telegram (the
real aiogram client against a local Bot API), continued on WhatsApp (webhooks signed like
Meta's, replies to a fake Graph API), and finished in the web chat (a websocket).

One customer, three identities, every slot, one transcript across the channels in order.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.messages import Identity
from bot.runtime import Runtime
from bot.store.embedded import free_port
from tests.e2e.transcripts import channels_in_order, completed_slots
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.telegram_api import FakeBotAPI, SentCall

pytestmark = pytest.mark.timeout(60)

TOKEN = "123456:TEST-token"
APP_SECRET = "journey-app-secret"
USER = 4242
WA_ID = "34600777888"
CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")


@pytest.fixture
async def platforms() -> AsyncIterator[tuple[FakeBotAPI, FakeGraphAPI]]:
    async with FakeBotAPI(tokens=[TOKEN]) as telegram, FakeGraphAPI() as graph:
        yield telegram, graph


@pytest.fixture
async def runtime(make_settings: Any, redis: Redis,
                  platforms: tuple[FakeBotAPI, FakeGraphAPI]) -> AsyncIterator[Runtime]:
    telegram, graph = platforms
    port = free_port()
    settings = make_settings(server={"port": port, "public_url": f"http://127.0.0.1:{port}"},
                             connectors={
        "webchat": {"enabled": True},
        "telegram": {"token": TOKEN, "api_base": telegram.base_url, "mode": "polling",
                     "per_chat_rate": 0, "global_rate": 0, "poll_timeout": 10},
        "whatsapp": {"access_token": "wa-token", "phone_number_id": "PNID",
                     "app_secret": APP_SECRET, "verify_token": "v", "graph_base": graph.base_url,
                     "display_phone_number": "+1 555 000 1111"},
    })
    async with Runtime(settings) as rt:
        await telegram.wait_long_poll()
        yield rt


async def telegram_says(fake: FakeBotAPI, runtime: Runtime, text: str | None = None, *,
                        press: str | None = None) -> SentCall:
    """The Telegram user writes or presses a button; returns the bot's next message."""
    before = len(fake.messages_to(USER))
    if press is not None:
        fake.user_presses_button(USER, press)
    else:
        assert text is not None
        fake.user_sends_text(USER, text)
    return await fake.wait_for(lambda c: c.method == "sendMessage"
                               and len(fake.messages_to(USER)) > before
                               and c is fake.messages_to(USER)[-1])


async def whatsapp_says(http: aiohttp.ClientSession, runtime: Runtime, graph: FakeGraphAPI,
                        payload: dict[str, Any]) -> list[dict[str, Any]]:
    """A signed WhatsApp webhook; returns what the bot sent back."""
    assert runtime.server is not None
    before = len(graph.whatsapp_sent)
    body, headers = hooks.signed_delivery(payload, APP_SECRET)
    async with http.post(f"{runtime.server.url}/webhooks/whatsapp", data=body,
                         headers=headers) as response:
        assert response.status == 200
    await runtime.settle()
    return [call.json for call in graph.whatsapp_sent[before:]]


class WebChat:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = 0

    async def says(self, text: str | None = None, *, payload: str | None = None,
                   replies: int = 1) -> list[dict[str, Any]]:
        self.ids += 1
        frame: dict[str, Any] = {"type": "choice" if payload else "message", "id": f"w{self.ids}"}
        frame.update({"payload": payload, "title": payload} if payload else {"text": text})
        await self.ws.send_str(json.dumps(frame))
        got: list[dict[str, Any]] = []
        while len(got) < replies:
            message = json.loads(await self.ws.receive_str(timeout=10))
            if message["type"] == "message":
                got.append(message)
        return got


def body_of(call: dict[str, Any]) -> str:
    if call["type"] == "text":
        return str(call["text"]["body"])
    return str(call["interactive"]["body"]["text"])


async def test_a_form_goes_from_telegram_to_whatsapp_to_the_web_chat(
    runtime: Runtime, platforms: tuple[FakeBotAPI, FakeGraphAPI]
) -> None:
    telegram, graph = platforms
    # 1. Telegram: start the fault report and answer two questions (ticket, part).
    assert (await telegram_says(telegram, runtime, "/report")).params["text"] == (
        "Let's report a fault. What's the ticket number? (like T100)")
    parts = await telegram_says(telegram, runtime, "T100")
    assert parts.params["text"] == "Which part is faulty?"
    problems = await telegram_says(telegram, runtime, press="cable")
    assert problems.params["text"] == "What is wrong with it?"
    # 2. Ask to continue elsewhere: a code, with ready links for the other channels.
    offer = (await telegram_says(telegram, runtime, "/link")).params["text"]
    code = CODE.search(offer)
    assert code is not None
    assert f"https://wa.me/15550001111?text={code.group(1).replace('-', '')}" in offer
    assert "http://127.0.0.1:" in offer and "/?link=" in offer

    async with aiohttp.ClientSession() as http:
        # 3. WhatsApp: redeem the code (signed webhook), confirm, get the third question.
        confirm = await whatsapp_says(http, runtime, graph,
                                      hooks.whatsapp_text(wa_id=WA_ID, text=code.group(1)))
        assert "started on Telegram" in body_of(confirm[0])
        buttons = confirm[0]["interactive"]["action"]["buttons"]
        yes = next(b["reply"] for b in buttons if b["reply"]["id"] == "link:yes")
        resumed = await whatsapp_says(http, runtime, graph, hooks.whatsapp_button_reply(
            wa_id=WA_ID, button_id=yes["id"], title=yes["title"]))
        assert body_of(resumed[0]).startswith("Welcome back")
        question = resumed[-1]
        assert question["interactive"]["type"] == "list"  # 4 problems: a WhatsApp list
        assert body_of(question) == "What is wrong with it?"
        fix = await whatsapp_says(http, runtime, graph, hooks.whatsapp_list_reply(
            wa_id=WA_ID, row_id="missing", title="A piece is missing"))
        assert body_of(fix[-1]) == "How should we fix it?"
        # 4. A new code on WhatsApp, redeemed in the web chat.
        link = await whatsapp_says(http, runtime, graph,
                                   hooks.whatsapp_text(wa_id=WA_ID, text="link"))
        second = CODE.search(body_of(link[0]))
        assert second is not None
        assert runtime.server is not None
        ws = await http.ws_connect(f"{runtime.server.url}/webchat")
        await ws.send_str(json.dumps({"type": "hello", "token": None, "locale": "en"}))
        web = WebChat(ws)
        welcome = json.loads(await ws.receive_str(timeout=10))
        assert welcome["type"] == "welcome"
        ask = await web.says(second.group(1))
        assert "started on WhatsApp" in ask[0]["text"]
        back = await web.says(payload="link:yes", replies=3)
        assert back[0]["text"].startswith("Welcome back")
        assert back[2]["kind"] == "choices"
        assert back[2]["text"] == "How should we fix it?"
        email = await web.says(payload="repair")
        assert email[0]["text"] == "Which e-mail address should we write to?"
        summary = await web.says("ana@example.com")
        assert summary[0]["text"] == (
            "Report Power cable on ticket T100 (A piece is missing), fix: repair it. Send it?")
        done = await web.says(payload="yes")
        assert re.fullmatch(r"Sent! Your report number is F-T100-[0-9A-F]{4}\. "
                            r"We'll write to ana@example\.com\.", done[0]["text"])
        visitor = welcome["visitor"]

    store = runtime.store
    customer = await store.resolve(Identity(channel="telegram", account="123456",
                                            user_id=str(USER)))
    identities = {i.key for i in await store.identities(customer)}
    assert identities == {f"telegram:123456:{USER}", f"whatsapp:PNID:{WA_ID}",
                          f"webchat:default:{visitor}"}
    for identity in (Identity(channel="whatsapp", account="PNID", user_id=WA_ID),
                     Identity(channel="webchat", user_id=visitor)):
        assert await store.resolve(identity) == customer, "one customer"
    history = await store.history(customer)
    assert completed_slots(history, "report") == {
        "ticket": "T100", "part": "cable", "problem": "missing", "fix": "repair",
        "contact": "ana@example.com", "confirm": "yes"}
    assert channels_in_order(history) == ["telegram", "whatsapp", "webchat"]
    assert [e.at for e in history] == sorted(e.at for e in history)
    _, profile = await store.load(customer)
    assert profile.phone == f"+{WA_ID}" and profile.phone_verified
