"""Mount Omnicanal inside an existing python-telegram-bot 22 application.

Your handlers keep answering what they handle (here: ``/ping``); every other message and
button press goes to the Omnicanal demo flows (``/start`` shows the store menu).

Run it from the repository root with a token from @BotFather:

    TELEGRAM_TOKEN=123456:ABC... .venv/bin/python examples/telegram_ptb_adopt.py

The session store is the embedded one (data under ``.omnicanal/data``); stop with Ctrl-C.
Point it at a local Bot API server with ``TELEGRAM_API_BASE=http://127.0.0.1:8081``.
"""

from __future__ import annotations

import asyncio
import logging
import os

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.config import parse_settings
from bot.runtime import Runtime
from connectors.telegram.adopt import ptb_handler
from connectors.telegram.ptb_connector import PTBConnector
from connectors.telegram.settings import TelegramSettings


async def ping(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Your existing handler: unchanged."""
    if update.effective_message is not None:
        await update.effective_message.reply_text("pong")


async def main() -> None:
    token = os.environ["TELEGRAM_TOKEN"]
    api_base = os.environ.get("TELEGRAM_API_BASE", "https://api.telegram.org")
    settings = parse_settings({"flows": {"modules": ["flows.store_assistant"]},
                               "connectors": {"webchat": {"enabled": False}}}, env={})
    connector = PTBConnector(channel="telegram", settings=TelegramSettings(
        token=SecretStr(token), api_base=api_base, mode="external"))
    app = (Application.builder().token(token).base_url(f"{api_base}/bot")
           .base_file_url(f"{api_base}/file/bot").build())
    app.add_handler(CommandHandler("ping", ping))
    app.add_handler(ptb_handler(connector))  # last in group 0: only what nobody handled
    # Inside a running loop: no run_polling (it owns the loop); start the parts instead.
    async with Runtime(settings, connectors=[connector], serve_http=False) as runtime, app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=["message", "callback_query"])
        try:
            await runtime.run_until_signalled()
        finally:
            await app.updater.stop()
            await app.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(main())
