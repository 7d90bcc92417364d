"""Settings of the Telegram connectors (``type: telegram`` on aiogram, ``telegram_ptb`` on
python-telegram-bot). No SDK is imported here, so ``omnicanal check`` stays cheap."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from bot.channels import ConnectorSettings

_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramSettings(ConnectorSettings):
    """One Telegram bot. Several bots: several sections, each with its own ``path``."""

    #: The token from @BotFather, ``<bot id>:<secret>``. The bot id becomes the identities'
    #: account, so several bots keep their customers apart.
    token: SecretStr
    #: ``polling`` (getUpdates), ``webhook`` (Telegram posts to ``path``), or ``external``:
    #: an existing aiogram/PTB application receives and hands updates over
    #: (``connectors.telegram.adopt``); the connector then only sends.
    mode: Literal["polling", "webhook", "external"] = "polling"
    #: The Bot API server (a local telegram-bot-api, or a fake in tests).
    api_base: str = "https://api.telegram.org"
    #: The public HTTPS URL Telegram posts updates to (webhook mode), ending in ``path``.
    webhook_url: str | None = None
    #: Sent by Telegram in ``X-Telegram-Bot-Api-Secret-Token``; webhook calls without it
    #: are refused (401).
    secret_token: SecretStr | None = None
    #: Our HTTP route for webhook calls. Give each bot its own when running several,
    #: e.g. ``/webhooks/telegram/shop``.
    path: str = Field(default="/webhooks/telegram", pattern=r"^/[A-Za-z0-9/_.-]*$")
    #: The bot's @username without the @, for ``t.me`` links that carry a link code.
    bot_username: str | None = None
    #: Long-poll seconds of getUpdates (polling mode).
    poll_timeout: int = Field(default=25, ge=0, le=50)
    #: Messages per second to one chat (Telegram allows about 1); 0 disables pacing.
    per_chat_rate: float = Field(default=1.0, ge=0)
    #: Messages per second overall (Telegram allows about 30); 0 disables pacing.
    global_rate: float = Field(default=30.0, ge=0)

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        # The message must never contain the token itself.
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token (<digits>:<letters, digits, _ ->); "
                             "copy it again from @BotFather")
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_url_and_secret(self) -> TelegramSettings:
        if self.mode == "webhook":
            missing = [k for k in ("webhook_url", "secret_token") if getattr(self, k) is None]
            if missing:
                raise ValueError(
                    f"mode 'webhook' needs {' and '.join(missing)}: set webhook_url to the public "
                    f"https URL ending in {self.path!r} and secret_token to a random string of "
                    "A-Z a-z 0-9 _ - (or use mode: polling)")
        return self

    @property
    def bot_id(self) -> str:
        """The bot's numeric id, the part of the token before the colon."""
        return self.token.get_secret_value().split(":", 1)[0]
