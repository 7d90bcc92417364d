"""One Telegram poller across processes: the other waits, and takes over when it dies."""

from __future__ import annotations

import time
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.runtime import Runtime
from tests.fakes.telegram_api import FakeBotAPI

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]
TOKEN = "123456:TEST-token"


async def test_only_one_process_polls_and_another_takes_over_when_it_stops(
    make_settings: Any, redis: Redis
) -> None:
    async with FakeBotAPI(tokens=[TOKEN]) as fake:
        telegram = {"token": TOKEN, "api_base": fake.base_url, "mode": "polling",
                    "per_chat_rate": 0, "global_rate": 0, "poll_timeout": 2}
        settings = make_settings(connectors={"webchat": {"enabled": False},
                                             "telegram": telegram})
        first, second = Runtime(settings, serve_http=False), Runtime(settings, serve_http=False)
        await first.start()
        await second.start()
        try:
            fake.user_sends_text(42, "/start")
            await fake.wait_for(lambda c: c.method == "sendMessage", timeout=10)
            await first.close()  # the poller dies (its lease is left to expire)
            stopped = time.monotonic()
            fake.user_sends_text(42, "/shelf")
            await fake.wait_for(lambda c: c.method == "sendMessage"
                                and c.params.get("text") == "On the shelf today. Pick one:",
                                timeout=20)
            took_over = time.monotonic() - stopped
        finally:
            await first.close()
            await second.close()
    conflicts = [c for c in fake.rejected if "Conflict" in str(c.error)]
    assert conflicts == [], "two processes polled at once"
    assert took_over < 15, f"took {took_over:.1f}s to take over"
