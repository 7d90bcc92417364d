"""TelegramSettings validation and the Pacer's arithmetic."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import parse_settings
from bot.errors import ConfigError
from connectors.telegram.pacing import Pacer
from connectors.telegram.settings import TelegramSettings


def test_a_bad_token_is_refused_without_echoing_it() -> None:
    raw = {"connectors": {"telegram": {"token": "not-a-token-SECRETVALUE"}}}
    with pytest.raises(ConfigError) as info:
        parse_settings(raw, env={})
    assert "SECRETVALUE" not in str(info.value)
    assert "@BotFather" in str(info.value)


def test_webhook_mode_needs_url_and_secret() -> None:
    with pytest.raises(ValidationError, match="webhook_url and secret_token"):
        TelegramSettings(token="1:abc", mode="webhook")
    with pytest.raises(ValidationError, match="1-256 characters"):
        TelegramSettings(token="1:abc", secret_token="bad secret!")
    ok = TelegramSettings(token="123:abc", mode="webhook",
                          webhook_url="https://x/webhooks/telegram", secret_token="s_1")
    assert ok.bot_id == "123"


def test_pacer_spaces_sends_per_chat_and_overall() -> None:
    now = [100.0]
    pacer = Pacer(per_chat=1.0, overall=10.0, clock=lambda: now[0])
    assert pacer.reserve(1) == 0
    assert pacer.reserve(1) == pytest.approx(1.0)  # same chat: a second later
    assert pacer.reserve(2) == pytest.approx(0.2)  # other chat: only the global gap
    now[0] = 110.0
    assert pacer.reserve(1) == 0
    assert Pacer(per_chat=0, overall=0).reserve(1) == 0
