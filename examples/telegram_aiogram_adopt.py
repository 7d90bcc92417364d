"""Mount Omnicanal inside an existing aiogram 3 bot without rewriting it.

Your routers keep answering what they handle (here: ``/ping``); every other message and
button press goes to the Omnicanal demo flows (``/start`` shows the store menu).

Run it from the repository root with a token from @BotFather:

    TELEGRAM_TOKEN=123456:ABC... .venv/bin/python examples/telegram_aiogram_adopt.py

The session store is the embedded one (data under ``.omnicanal/data``); stop with Ctrl-C.
Point it at a local Bot API server with ``TELEGRAM_API_BASE=http://127.0.0.1:8081``.
"""

from __future__ import annotations

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import Message
from pydantic import SecretStr

from bot.config import parse_settings
from bot.runtime import Runtime
from connectors.telegram.adopt import aiogram_router
from connectors.telegram.aiogram_connector import AiogramConnector
from connectors.telegram.settings import TelegramSettings

# Your existing bot: unchanged.
theirs = Router(name="theirs")


@theirs.message(Command("ping"))
async def ping(message: Message) -> None:
    await message.answer("pong")


async def main() -> None:
    token = os.environ["TELEGRAM_TOKEN"]
    api_base = os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org")
    settings = parse_settings({"flows": {"modules": ["flows.store_assistant"]},
                               "connectors": {"webchat": {"enabled": False}}}, env={})
    connector = AiogramConnector(channel="telegram", settings=TelegramSettings(
        token=SecretStr(token), api_base=api_base, mode="external"))
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_base)))
    dp = Dispatcher()
    dp.include_router(theirs)
    dp.include_router(aiogram_router(connector))  # last: only what nobody else handled
    async with Runtime(settings, connectors=[connector], serve_http=False):
        await dp.start_polling(bot)  # returns on Ctrl-C; the runtime then shuts down


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())
