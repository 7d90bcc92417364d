"""The fake Telegram Bot API, driven by the real aiogram 3 and python-telegram-bot 22 clients."""

from __future__ import annotations

import asyncio
import datetime as dtm
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import telegram
import telegram.error
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from .telegram_api import FakeBotAPI

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]

TOKEN = "123456:TEST-token"
USER = 42


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


@pytest_asyncio.fixture
async def abot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))
    yield bot
    await bot.session.close()


@pytest_asyncio.fixture
async def pbot(fake: FakeBotAPI) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(TOKEN, base_url=f"{fake.base_url}/bot",
                       base_file_url=f"{fake.base_url}/file/bot")
    async with asyncio.timeout(10):
        await bot.initialize()
    yield bot
    await bot.shutdown()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=d, callback_data=d) for d in data]]
    )


def seconds(exc: telegram.error.RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 deprecates the int form in favour of timedelta
        warnings.simplefilter("ignore")
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# -- aiogram ---------------------------------------------------------------------------------
async def test_aiogram_get_me_and_send_message_with_keyboard(fake: FakeBotAPI, abot: Bot) -> None:
    me = await abot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "omni_test_bot")

    message = await abot.send_message(USER, "Pick one", reply_markup=keyboard("a:1", "b:2"))

    assert isinstance(message, Message)
    assert message.chat.id == USER
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert message.from_user.id == me.id
    assert message.reply_markup is not None
    assert [b.callback_data for b in message.reply_markup.inline_keyboard[0]] == ["a:1", "b:2"]
    [call] = fake.sent
    assert call.method == "sendMessage"
    assert call.token == TOKEN
    assert call.params["chat_id"] == USER
    assert call.params["text"] == "Pick one"
    assert call.params["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "b:2"
    assert fake.messages_to(USER) == [call]
    assert ("POST", "getMe") in fake.requests_log


async def test_aiogram_dispatcher_polls_and_replies(fake: FakeBotAPI, abot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    polling = asyncio.create_task(dp.start_polling(abot, handle_signals=False, polling_timeout=5))
    try:
        update = fake.user_sends_text(USER, "/start hello")
        assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
        call = await fake.wait_for(lambda c: c.method == "sendMessage", timeout=5)
        assert call.params["chat_id"] == USER
        assert call.params["text"] == "echo: /start hello"
        # aiogram asked only for the update types it has handlers for, and Telegram obeys:
        info = await abot.get_webhook_info()
        assert info.allowed_updates == ["message"]
        fake.user_presses_button(USER, "ignored")
        assert fake.pending_updates() == []
    finally:
        async with asyncio.timeout(5):
            await dp.stop_polling()
            await polling


async def test_aiogram_callback_button_edit_and_answer(fake: FakeBotAPI, abot: Bot) -> None:
    sent = await abot.send_message(USER, "Pick", reply_markup=keyboard("pick:1", "pick:2"))
    update = fake.user_presses_button(USER, "pick:2")
    query = update["callback_query"]
    assert query["message"]["message_id"] == sent.message_id
    assert query["data"] == "pick:2"

    dp = Dispatcher()

    @dp.callback_query()
    async def picked(cb: CallbackQuery) -> None:
        await cb.answer("ok")
        assert isinstance(cb.message, Message)
        await cb.message.edit_text(f"Picked {cb.data}")

    async with asyncio.timeout(5):
        await dp.feed_update(abot, Update.model_validate(update, context={"bot": abot}))
    assert fake.answered_callbacks == [query["id"]]
    edit = await fake.wait_for(lambda c: c.method == "editMessageText")
    assert edit.params["message_id"] == sent.message_id
    assert edit.result["text"] == "Picked pick:2"
    assert "reply_markup" not in edit.result  # an edit without markup removes the keyboard
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await abot.edit_message_text("Picked pick:2", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await abot.answer_callback_query(query["id"])  # a query is answered once


async def test_limits_are_enforced(fake: FakeBotAPI, abot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await abot.send_message(USER, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await abot.send_message(USER, "")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await abot.send_message(USER, "hi", reply_markup=keyboard("é" * 33))  # 33 chars, 66 bytes
    assert fake.sent == []
    assert [c.error for c in fake.rejected] == [
        "Bad Request: message is too long",
        "Bad Request: message text is empty",
        "Bad Request: BUTTON_DATA_INVALID",
    ]
    await abot.send_message(USER, "x" * 4096, reply_markup=keyboard("é" * 32))
    await abot.send_message(USER, "<b>" + "y" * 4096 + "</b>", parse_mode="HTML")
    assert [len(c.result["text"]) for c in fake.messages_to(USER)] == [4096, 4096]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_raises_retry_after_in_both_clients(
    fake: FakeBotAPI, abot: Bot, pbot: telegram.Bot
) -> None:
    fake.fail_next("sendMessage", error_code=429,
                   description="Too Many Requests: retry after 7", retry_after=7, times=2)
    with pytest.raises(TelegramRetryAfter) as aiogram_error:
        await abot.send_message(USER, "hi")
    assert aiogram_error.value.retry_after == 7
    with pytest.raises(telegram.error.RetryAfter) as ptb_error:
        await pbot.send_message(USER, "hi")
    assert seconds(ptb_error.value) == 7
    await abot.send_message(USER, "third time lucky")
    assert [c.params["text"] for c in fake.sent] == ["third time lucky"]

    blocked = "Forbidden: bot was blocked by the user"
    fake.fail_next("sendmessage", error_code=403, description=blocked)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await abot.send_message(USER, "hi")
    fake.fail_next("sendMessage", error_code=403, description=blocked)
    with pytest.raises(telegram.error.Forbidden):
        await pbot.send_message(USER, "hi")


# -- getUpdates --------------------------------------------------------------------------------
async def test_get_updates_blocks_then_wakes_on_new_update(fake: FakeBotAPI, abot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await abot.get_updates(timeout=1) == []
    assert loop.time() - started >= 0.9

    poll = asyncio.create_task(abot.get_updates(timeout=20))
    await fake.wait_long_poll()
    started = loop.time()
    update = fake.user_sends_text(USER, "wake up")
    async with asyncio.timeout(5):
        [got] = await poll
    assert loop.time() - started < 2
    assert got.update_id == update["update_id"]
    assert got.message is not None
    assert got.message.text == "wake up"


async def test_offset_confirms_and_forgets_updates(fake: FakeBotAPI, abot: Bot) -> None:
    u1, u2, u3 = (fake.user_sends_text(USER, t)["update_id"] for t in ("a", "b", "c"))
    assert u1 < u2 < u3
    assert [u.update_id for u in await abot.get_updates(limit=2)] == [u1, u2]
    assert [u.update_id for u in await abot.get_updates()] == [u1, u2, u3]  # nothing confirmed
    assert [u.update_id for u in await abot.get_updates(offset=u2 + 1)] == [u3]
    assert [u.update_id for u in await abot.get_updates()] == [u3]  # u1, u2 are gone
    fake.user_sends_text(USER, "d")
    assert [u.update_id for u in await abot.get_updates(offset=-1)] == [u3 + 1]  # last one only
    ids = [u["message"]["message_id"] for u in fake.pending_updates()]
    assert ids == [4]  # message ids count per chat


async def test_concurrent_get_updates_conflict(fake: FakeBotAPI, abot: Bot) -> None:
    first = asyncio.create_task(abot.get_updates(timeout=20))
    await fake.wait_long_poll()
    second = asyncio.create_task(abot.get_updates(timeout=20))
    async with asyncio.timeout(5):
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
            await first  # like tdlib/telegram-bot-api: the newer poll wins, the older gets 409
    await fake.wait_long_poll()
    fake.user_sends_text(USER, "for the survivor")
    async with asyncio.timeout(5):
        assert len(await second) == 1


async def test_webhook_blocks_polling_and_delivery_hits_aiogram(
    fake: FakeBotAPI, abot: Bot
) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await abot.send_message(message.chat.id, f"hook: {message.text}")

    app = web.Application()
    SimpleRequestHandler(dp, abot, secret_token="s3cret", handle_in_background=False).register(
        app, path="/hook"
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await abot.set_webhook(url, secret_token="s3cret", drop_pending_updates=True)
        assert fake.webhook is not None
        assert fake.webhook["url"] == url
        assert fake.webhook["secret_token"] == "s3cret"
        assert (await abot.get_webhook_info()).url == url
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await abot.get_updates()
        update = fake.user_sends_text(USER, "via webhook")
        assert fake.pending_updates() == []  # not queued while a webhook is set
        assert await fake.deliver_webhook(url, update, "wrong") == 401
        assert await fake.deliver_webhook(url, update, "s3cret") == 200
        call = await fake.wait_for(lambda c: c.method == "sendMessage")
        assert call.params["text"] == "hook: via webhook"
        assert await abot.delete_webhook()
        assert fake.webhook is None
        assert await abot.get_updates() == []
    finally:
        await runner.cleanup()


# -- python-telegram-bot -------------------------------------------------------------------------
async def test_ptb_application_polls_and_replies(fake: FakeBotAPI) -> None:
    app: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(TOKEN).base_url(f"{fake.base_url}/bot")
        .base_file_url(f"{fake.base_url}/file/bot").build()
    )

    async def reply(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"ptb: {update.message.text}")

    app.add_handler(MessageHandler(filters.TEXT, reply))
    async with asyncio.timeout(20):
        await app.initialize()
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5)
        try:
            fake.user_sends_text(7, "hola", first_name="Lu", language_code="es")
            call = await fake.wait_for(lambda c: c.method == "sendMessage", timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
    assert call.params["chat_id"] == 7
    assert call.params["text"] == "ptb: hola"
    assert ("POST", "getMe") in fake.requests_log
    assert "deleteWebhook" in [c.method for c in fake.sent]  # PTB's polling bootstrap
    assert fake.pending_updates() == []  # PTB confirmed the offset on the way out


async def test_ptb_uploads_and_downloads_files(fake: FakeBotAPI, pbot: telegram.Bot) -> None:
    message = await pbot.send_document(USER, document=b"%PDF report", filename="r.pdf",
                                       caption="your report")
    call = fake.sent[-1]
    assert call.files == {"document": b"%PDF report"}
    assert call.filenames["document"] == "r.pdf"
    assert message.document is not None
    assert message.document.file_name == "r.pdf"
    assert message.caption == "your report"

    update = fake.user_sends_document(USER, b"from the user", file_name="cv.txt",
                                      mime_type="text/plain")
    file_id = update["message"]["document"]["file_id"]
    tg_file = await pbot.get_file(file_id)
    assert bytes(await tg_file.download_as_bytearray()) == b"from the user"


async def test_aiogram_photo_upload_url_and_download(fake: FakeBotAPI, abot: Bot) -> None:
    message = await abot.send_photo(USER, BufferedInputFile(b"PNGDATA", "pic.png"), caption="c")
    assert fake.sent[-1].files == {"photo": b"PNGDATA"}
    assert message.photo is not None
    assert message.caption == "c"
    tg_file = await abot.get_file(message.photo[-1].file_id)
    assert tg_file.file_path is not None
    downloaded = await abot.download_file(tg_file.file_path)
    assert downloaded is not None
    assert downloaded.read() == b"PNGDATA"

    await abot.send_photo(USER, "https://example.com/cat.jpg")
    assert fake.sent[-1].params["photo"] == "https://example.com/cat.jpg"
    assert fake.sent[-1].files == {}
    assert [c.method for c in fake.messages_to(USER)] == ["sendPhoto", "sendPhoto"]


async def test_simulated_updates_are_schema_valid(
    fake: FakeBotAPI, abot: Bot, pbot: telegram.Bot
) -> None:
    updates = [
        fake.user_sends_text(USER, "hi"),
        fake.user_shares_contact(USER, "+34600000000", contact_user_id=USER),
        fake.user_sends_photo(USER, caption="look"),
        fake.user_sends_document(USER, b"data"),
        fake.user_sends_location(USER, 40.4, -3.7),
        fake.user_presses_button(USER, "stale", message_id=99),
    ]
    for raw in updates:
        parsed = Update.model_validate(raw, context={"bot": abot})
        assert parsed.update_id == raw["update_id"]
        assert telegram.Update.de_json(raw, pbot) is not None
    assert [u["update_id"] for u in updates] == list(range(10001, 10007))


# -- raw HTTP ------------------------------------------------------------------------------------
async def test_raw_http_routing_and_bodies(fake: FakeBotAPI) -> None:
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(fake.base_url, timeout=timeout) as http:
        async with http.get("/bot999:nope/getMe") as resp:
            assert resp.status == 401
            unauthorized = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            assert await resp.json() == unauthorized
        async with http.post(f"/bot{TOKEN}/sendTelepathy") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found: method not found"
        async with http.get(f"/bot{TOKEN}/GETME") as resp:
            assert (await resp.json())["result"]["id"] == 123456
        headers = {"Content-Type": "application/octet-stream"}
        async with http.post(f"/bot{TOKEN}/deleteWebhook", data=b"", headers=headers) as resp:
            assert await resp.json() == {"ok": True, "result": True}
        body = {"chat_id": 5, "text": "json body", "reply_markup": {"inline_keyboard": []}}
        async with http.post(f"/bot{TOKEN}/sendMessage", json=body) as resp:
            assert (await resp.json())["result"]["chat"]["id"] == 5
        async with http.get(f"/bot{TOKEN}/sendChatAction?chat_id=5&action=typing") as resp:
            assert (await resp.json())["result"] is True
        async with http.get(f"/file/bot{TOKEN}/no/such/file") as resp:
            assert resp.status == 404
    assert [c.method for c in fake.sent] == ["deleteWebhook", "sendMessage", "sendChatAction"]
    assert fake.sent[1].params["chat_id"] == 5
    assert fake.sent[2].params["chat_id"] == 5
    assert ("GET", "getMe") in fake.requests_log
    assert ("POST", "sendTelepathy") in fake.requests_log


async def test_wait_for_is_bounded(fake: FakeBotAPI) -> None:
    with pytest.raises(TimeoutError, match="no matching call"):
        await fake.wait_for(lambda c: c.method == "sendMessage", timeout=0.2)
    with pytest.raises(TimeoutError):
        await fake.wait_for_count("sendMessage", 1, chat_id=USER, timeout=0.2)
