"""One scenario suite over both connectors (aiogram, python-telegram-bot) and both modes
(polling, webhook): the real Runtime and store, the real SDK clients, a fake Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.dialogue import End, Flow, StepResult, Turn, command
from bot.dialogue.loading import load_flows
from bot.messages import Identity
from bot.runtime import Runtime
from bot.store.embedded import free_port
from connectors.telegram.base import TelegramConnectorBase
from tests.fakes.telegram_api import FakeBotAPI, SentCall
from tests.waiting import eventually

pytestmark = pytest.mark.timeout(30)

TOKEN = "123456:TEST-token"
SECRET = "s3cret_Token-1"
USER = 42
IDENTITY = Identity(channel="telegram", account="123456", user_id=str(USER))
LONG = ("word " * 1000).strip()  # 4999 characters: two Telegram messages

long_text = Flow("long_text", triggers=command("long"))


@long_text.step
async def say_long(turn: Turn) -> StepResult:
    turn.say(LONG)
    return End()


@dataclass
class Harness:
    runtime: Runtime
    fake: FakeBotAPI
    mode: str
    url: str

    @property
    def connector(self) -> TelegramConnectorBase:
        connector = self.runtime.connectors["telegram"]
        assert isinstance(connector, TelegramConnectorBase)
        return connector

    async def deliver(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        """Hand an update the fake created to the bot: by webhook, or it is polled."""
        if self.mode == "webhook":
            return await self.fake.deliver_webhook(self.url, update, secret)
        return 200

    async def redeliver(self, update: dict[str, Any]) -> None:
        """Telegram sending the same update again."""
        if self.mode == "webhook":
            assert await self.fake.deliver_webhook(self.url, update, SECRET) == 200
        else:  # what the poller does with a batch getUpdates handed out a second time
            await self.connector.receive([update])


Factory = Callable[[str, str], Awaitable[Harness]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(tokens=[TOKEN]) as api:
        yield api


@pytest.fixture
async def start_bot(make_settings: Any, fake: FakeBotAPI, redis: Redis) -> AsyncIterator[Factory]:
    # ``redis`` flushes the shared server: every fake starts at the same update ids.
    runtimes: list[Runtime] = []

    async def build(kind: str, mode: str) -> Harness:
        port = free_port()
        url = f"http://127.0.0.1:{port}/webhooks/telegram"
        section: dict[str, Any] = {"type": kind, "token": TOKEN, "api_base": fake.base_url,
                                   "mode": mode, "per_chat_rate": 0, "global_rate": 0,
                                   "poll_timeout": 10}
        if mode == "webhook":
            section.update(webhook_url=url, secret_token=SECRET)
        settings = make_settings(server={"port": port},
                                 connectors={"webchat": {"enabled": False}, "telegram": section})
        flows = [*load_flows(settings.flows.modules), long_text]
        runtime = Runtime(settings, flows=flows)
        await runtime.start()
        runtimes.append(runtime)
        if mode == "polling":
            await fake.wait_long_poll()
        elif mode == "webhook":
            assert fake.webhook is not None and fake.webhook["secret_token"] == SECRET
        return Harness(runtime, fake, mode, url)

    yield build
    for runtime in runtimes:
        await runtime.close()


KINDS = ["telegram", "telegram_ptb"]
MODES = ["polling", "webhook"]
every = pytest.mark.parametrize(("kind", "mode"), [(k, m) for k in KINDS for m in MODES])


def keyboard(call: SentCall) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def with_keyboard(call: SentCall) -> bool:
    return call.method == "sendMessage" and bool(keyboard(call))


@every
async def test_menu_buttons_and_the_shelf(start_bot: Factory, kind: str, mode: str) -> None:
    h = await start_bot(kind, mode)
    assert await h.deliver(h.fake.user_sends_text(USER, "/start")) == 200
    menu = await h.fake.wait_for(with_keyboard)
    assert [b["callback_data"] for b in keyboard(menu)] == [
        "menu:shelf", "menu:ticket", "menu:report", "menu:human", "menu:link", "locale:es"]
    assert await h.deliver(h.fake.user_presses_button(USER, "menu:shelf")) == 200
    items = await h.fake.wait_for(lambda c: with_keyboard(c) and c is not menu)
    assert items.params["text"] == "On the shelf today. Pick one:"
    assert [b["text"] for b in keyboard(items)] == ["Desk lamp", "Blue mug", "Ink pen"]
    assert items.params["chat_id"] == USER
    await h.fake.wait_for(lambda c: c.method == "answerCallbackQuery")
    assert len(h.fake.answered_callbacks) == 1


@every
async def test_a_long_text_is_split(start_bot: Factory, kind: str, mode: str) -> None:
    h = await start_bot(kind, mode)
    await h.deliver(h.fake.user_sends_text(USER, "/long"))
    parts = await h.fake.wait_for_count("sendMessage", 2, chat_id=USER)
    texts = [c.params["text"] for c in parts]
    assert all(len(t) <= 4096 for t in texts) and " ".join(texts) == LONG


@every
async def test_a_rate_limit_is_honoured_and_the_reply_arrives_once(
    start_bot: Factory, kind: str, mode: str
) -> None:
    h = await start_bot(kind, mode)
    h.fake.fail_next("sendMessage", error_code=429,
                     description="Too Many Requests: retry after 1", retry_after=1)
    await h.deliver(h.fake.user_sends_text(USER, "/start"))
    await h.fake.wait_for(with_keyboard)
    await h.runtime.settle()
    assert len(h.fake.messages_to(USER)) == 1 and len(h.fake.rejected) == 1


@every
async def test_a_blocked_bot_marks_the_identity_unreachable(
    start_bot: Factory, kind: str, mode: str
) -> None:
    h = await start_bot(kind, mode)
    h.fake.fail_next("sendMessage", error_code=403,
                     description="Forbidden: bot was blocked by the user")
    await h.deliver(h.fake.user_sends_text(USER, "/start"))
    store = h.runtime.store

    async def unreachable() -> bool:
        return await store.is_unreachable(await store.resolve(IDENTITY), IDENTITY)

    await eventually(unreachable)
    await h.runtime.settle()
    events = await store.history(await store.resolve(IDENTITY))
    assert [e.text for e in events if e.kind == "error"] == [
        "message not delivered: unreachable: telegram: Forbidden: bot was blocked by the user"]
    assert h.fake.messages_to(USER) == []


@every
async def test_the_same_update_twice_gets_one_reply(
    start_bot: Factory, kind: str, mode: str
) -> None:
    h = await start_bot(kind, mode)
    update = h.fake.user_sends_text(USER, "/start")
    await h.deliver(update)
    await h.fake.wait_for(with_keyboard)
    await h.redeliver(update)
    await h.runtime.settle()
    assert len(h.fake.messages_to(USER)) == 1


# Proves docs/architecture.md invariant 6.
@pytest.mark.parametrize("kind", KINDS)
async def test_a_forged_or_missing_secret_is_refused(start_bot: Factory, kind: str) -> None:
    h = await start_bot(kind, "webhook")
    update = h.fake.user_sends_text(USER, "/start")
    assert await h.deliver(update, secret="wrong") == 401
    assert await h.deliver(update, secret=None) == 401
    await h.runtime.settle()
    assert h.fake.messages_to(USER) == []


# Proves docs/architecture.md invariant 6.
@pytest.mark.parametrize("kind", KINDS)
async def test_bad_webhook_bodies_are_refused_or_ignored_without_effect(
    start_bot: Factory, kind: str
) -> None:
    import aiohttp

    h = await start_bot(kind, "webhook")
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    deep = b"[" * 100_000 + b"]" * 100_000  # RecursionError in the json module: was a 500
    answers = {b"not json": 400, b"[1, 2]": 400, deep: 400, b'{"update_id": "x"}': 200,
               b'{"update_id": 1, "message": {"text": "\\ud800"}}': 400}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        for body, status in answers.items():
            async with http.post(h.url, data=body, headers=headers) as resp:
                assert (body[:20], resp.status) == (body[:20], status)
    await h.runtime.settle()
    assert [c.method for c in h.fake.sent] == ["setWebhook"], "nothing but the start-up call"
