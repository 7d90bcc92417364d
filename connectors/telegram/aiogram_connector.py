"""The Telegram connector on aiogram 3 (``type: telegram``). Wraps ``aiogram.Bot``; all
the receiving and sending logic lives in ``TelegramConnectorBase``."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
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


class AiogramConnector(TelegramConnectorBase):
    """Telegram through aiogram's ``Bot`` (its own aiohttp session)."""

    _bot: Bot | None = None

    async def _sdk_open(self) -> None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.settings.api_base))
        self._bot = Bot(self.settings.token.get_secret_value(), session=session)

    async def _sdk_close(self) -> None:
        if self._bot is not None:
            await self._bot.session.close()
            self._bot = None

    def _require_bot(self) -> Bot:
        if self._bot is None:
            raise ConnectorError(self.channel, "the aiogram bot is not open")
        return self._bot

    async def _sdk_call(self, call: ApiCall) -> object:
        # aiogram's method classes are named after the Bot API method ("SendMessage").
        method_cls = getattr(methods, call.method[0].upper() + call.method[1:])
        try:
            return await self._require_bot()(method_cls(**call.params))
        except TelegramAPIError as exc:
            raise self._mapped(exc) from exc

    async def _sdk_get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        try:
            found = await self._require_bot().get_updates(
                offset=offset, timeout=timeout, allowed_updates=list(ALLOWED_UPDATES),
                request_timeout=timeout + 10)
        except TelegramAPIError as exc:
            raise self._mapped(exc) from exc
        return [u.model_dump(mode="json", exclude_none=True, by_alias=True) for u in found]

    def _mapped(self, exc: TelegramAPIError) -> ConnectorError:
        channel = self.channel
        if isinstance(exc, TelegramRetryAfter):
            return RateLimited(channel, float(exc.retry_after))
        if isinstance(exc, TelegramForbiddenError):
            return Unreachable(channel, exc.message)
        if isinstance(exc, TelegramUnauthorizedError):
            log.error("Telegram refused the token of connector %s: fix connectors.%s.token",
                      self.channel, self.channel)
            return AuthenticationFailed(channel, "the bot token was rejected")
        if isinstance(exc, TelegramNetworkError | TelegramServerError):
            return TransientError(channel, exc.message)
        return PlatformError(channel, type(exc).__name__, exc.message)
