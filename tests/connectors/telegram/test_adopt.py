"""An existing aiogram Dispatcher / PTB Application keeps its handlers; the rest reaches
Omnicanal (connectors.telegram.adopt)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes

from connectors.telegram.adopt import aiogram_router, ptb_handler
from tests.connectors.telegram.test_scenarios import (
    TOKEN,
    USER,
    Factory,
    fake,
    start_bot,
    with_keyboard,
)
from tests.fakes.telegram_api import FakeBotAPI

__all__ = ["fake", "start_bot"]  # fixtures shared with the scenario suite

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def abot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    yield bot
    await bot.session.close()


async def test_aiogram_dispatcher_keeps_its_handlers(start_bot: Factory, abot: Bot) -> None:
    h = await start_bot("telegram", "external")
    theirs = Router(name="theirs")

    @theirs.message(Command("ping"))
    async def ping(message: Message) -> None:
        await message.answer("pong")

    dp = Dispatcher()
    dp.include_router(theirs)
    dp.include_router(aiogram_router(h.connector))
    for text in ("/ping", "/start"):
        update = h.fake.user_sends_text(USER, text)
        await dp.feed_update(abot, Update.model_validate(update, context={"bot": abot}))
    await h.fake.wait_for(lambda c: c.params.get("text") == "pong")
    await h.fake.wait_for(with_keyboard)
    await h.runtime.settle()
    assert len(h.fake.messages_to(USER)) == 2  # Omnicanal did not answer /ping


async def test_ptb_application_keeps_its_handlers(start_bot: Factory) -> None:
    h = await start_bot("telegram_ptb", "external")
    app = (Application.builder().token(TOKEN).base_url(f"{h.fake.base_url}/bot")
           .base_file_url(f"{h.fake.base_url}/file/bot").build())

    async def ping(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("pong")

    app.add_handler(CommandHandler("ping", ping))
    app.add_handler(ptb_handler(h.connector))
    async with app:
        for text in ("/ping", "/start"):
            update = h.fake.user_sends_text(USER, text)
            await app.process_update(telegram.Update.de_json(update, app.bot))
        await h.fake.wait_for(lambda c: c.params.get("text") == "pong")
        await h.fake.wait_for(with_keyboard)
        await h.runtime.settle()
    assert len(h.fake.messages_to(USER)) == 2
