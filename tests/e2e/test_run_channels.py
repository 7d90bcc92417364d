"""`omnicanal run` as a real process serving Telegram on aiogram (polling), Telegram on
python-telegram-bot (webhook) and Messenger (signed webhooks) at once, each against a fake
platform on 127.0.0.1: the test flows' menu with buttons on each, and a press advancing it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.store.embedded import free_port
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.fakes.telegram_api import FakeBotAPI
from tests.scale.processes import BotProcess, write_config
from tests.servers import store_section

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

AIOGRAM, PTB = "111111:aiogram-bot-token", "222222:ptb-bot-token"
SECRET = "meta-secret"
SHELF = "On the shelf today. Pick one:"


def buttons(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_omnicanal_run_serves_telegram_on_both_libraries_and_messenger(
    tmp_path: Path, redis_url: str, redis: Any
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeBotAPI(tokens=[AIOGRAM, PTB]) as telegram, FakeGraphAPI() as graph:
        config = write_config(tmp_path / "config.yaml", store=store_section(redis_url),
                              server={"port": port}, connectors={
            "webchat": {"enabled": False},
            "telegram": {"token": AIOGRAM, "api_base": telegram.base_url, "mode": "polling",
                         "poll_timeout": 2},
            "telegram_ptb": {"token": PTB, "api_base": telegram.base_url, "mode": "webhook",
                             "webhook_url": f"{base}/webhooks/telegram/ptb",
                             "path": "/webhooks/telegram/ptb", "secret_token": "ptb_secret"},
            "messenger": {"page_token": "page-token", "app_secret": SECRET,
                          "verify_token": "v", "graph_base": graph.base_url}})
        bot = BotProcess(config, "all")
        try:
            await bot.start()
            # aiogram, polling
            telegram.user_sends_text(7, "/start", token=AIOGRAM)
            menu = await telegram.wait_for(lambda c: c.token == AIOGRAM and bool(buttons(c)),
                                           timeout=20)
            assert [b["callback_data"] for b in buttons(menu)] == [
                "menu:shelf", "menu:ticket", "menu:report", "menu:human", "menu:link",
                "locale:es"]
            telegram.user_presses_button(7, "menu:shelf", token=AIOGRAM)
            await telegram.wait_for(lambda c: c.token == AIOGRAM
                                    and c.params.get("text") == SHELF, timeout=20)
            # python-telegram-bot, webhook (registered at start-up with its secret)
            [registered] = [c for c in telegram.sent
                            if c.method == "setWebhook" and c.token == PTB]
            assert (registered.params.get("url"), registered.params.get("secret_token")) == (
                f"{base}/webhooks/telegram/ptb", "ptb_secret")
            update = telegram.user_sends_text(8, "/start", token=PTB)
            assert await telegram.deliver_webhook(f"{base}/webhooks/telegram/ptb", update,
                                                  "ptb_secret") == 200
            assert await telegram.deliver_webhook(f"{base}/webhooks/telegram/ptb", update,
                                                  "forged") == 401
            await telegram.wait_for(lambda c: c.token == PTB and bool(buttons(c)), timeout=20)
            # Messenger, signed webhooks
            async with aiohttp.ClientSession() as http:
                body, headers = hooks.signed_delivery(
                    hooks.messenger_text(psid="PSID9", text="hi"), SECRET)
                async with http.post(f"{base}/webhooks/messenger", data=body,
                                     headers=headers) as response:
                    assert response.status == 200
                [menu_call] = await graph.wait_for_messenger(1, timeout=20)
                replies = menu_call.json["message"]["quick_replies"]
                [shelf] = [r for r in replies if r["payload"] == "menu:shelf"]
                body, headers = hooks.signed_delivery(hooks.messenger_quick_reply(
                    psid="PSID9", title=shelf["title"], payload=shelf["payload"]), SECRET)
                async with http.post(f"{base}/webhooks/messenger", data=body,
                                     headers=headers) as response:
                    assert response.status == 200
                calls = await graph.wait_for_messenger(2, timeout=20)
                assert calls[1].json["message"]["text"] == SHELF
            assert await bot.stop() == 0
        finally:
            await bot.kill()
