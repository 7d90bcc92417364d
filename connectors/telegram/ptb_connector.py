"""The Telegram connector on python-telegram-bot 22 (``type: telegram_ptb``). Wraps
``telegram.Bot``; all the receiving and sending logic lives in ``TelegramConnectorBase``."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import telegram
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.errors import (
    AuthenticationFailed,
    ConnectorError,
    PlatformError,
    RateLimited,
    TransientError,
    Unreachable,
)
from connectors.telegram.base import TelegramConnectorBase
from connectors.telegram.render import ApiCall
from connectors.telegram.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)


def _snake(method: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", method).lower()


class PTBConnector(TelegramConnectorBase):
    """Telegram through python-telegram-bot's ``Bot`` (httpx)."""

    _bot: telegram.Bot | None = None

    async def _sdk_open(self) -> None:
        base = self.settings.api_base.rstrip("/")
        bot = telegram.Bot(self.settings.token.get_secret_value(), base_url=f"{base}/bot",
                           base_file_url=f"{base}/file/bot")
        try:
            await bot.initialize()  # getMe: fails early on a wrong token
        except TelegramError as exc:
            raise self._mapped(exc) from exc
        self._bot = bot

    async def _sdk_close(self) -> None:
        if self._bot is not None:
            await self._bot.shutdown()
            self._bot = None

    def _require_bot(self) -> telegram.Bot:
        if self._bot is None:
            raise ConnectorError(self.channel, "the python-telegram-bot Bot is not open")
        return self._bot

    async def _sdk_call(self, call: ApiCall) -> object:
        # PTB's methods are the snake_case Bot API names with the same parameter names;
        # reply markup goes through api_kwargs as plain JSON, so no PTB objects are built.
        params = dict(call.params)
        extra = {"reply_markup": params.pop("reply_markup")} if "reply_markup" in params else {}
        method = getattr(self._require_bot(), _snake(call.method))
        try:
            return await method(**params, api_kwargs=extra or None)
        except TelegramError as exc:
            raise self._mapped(exc) from exc

    async def _sdk_get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        try:
            found = await self._require_bot().get_updates(
                offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES),
                read_timeout=timeout + 10)
        except TelegramError as exc:
            raise self._mapped(exc) from exc
        return [u.to_dict() for u in found]

    def _mapped(self, exc: TelegramError) -> ConnectorError:
        channel = self.channel
        if isinstance(exc, RetryAfter):
            # ``retry_after`` warns about its int/timedelta transition; read the timedelta.
            wait = getattr(exc, "_retry_after", None)
            seconds = wait.total_seconds() if isinstance(wait, dt.timedelta) else 1.0
            return RateLimited(channel, seconds)
        if isinstance(exc, Forbidden):
            return Unreachable(channel, exc.message)
        if isinstance(exc, InvalidToken):
            log.error("Telegram refused the token of connector %s: fix connectors.%s.token",
                      self.channel, self.channel)
            return AuthenticationFailed(channel, "the bot token was rejected")
        if isinstance(exc, BadRequest):  # a NetworkError subclass in PTB, but not transient
            return PlatformError(channel, "BadRequest", exc.message)
        if isinstance(exc, NetworkError):
            return TransientError(channel, exc.message)
        return PlatformError(channel, type(exc).__name__, exc.message)
