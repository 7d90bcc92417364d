"""The baseline: aiogram 3's Dispatcher with RedisStorage (optionally RedisEventIsolation)
running the same form with FSM states and idiomatic filters, fed with ``feed_update``.

Handlers build the reply text and record it instead of calling the Bot API: no network,
the same rule as Omnicanal's collecting connector."""

from __future__ import annotations

import datetime as dt
import time

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from aiogram.types import Chat, Message, Update, User
from redis.asyncio import Redis

from bench.counting import Counter, counting_client
from bench.drive import drive, everyone
from bench.form import SUMMARY_PREFIX, script
from bench.ours import RunResult
from bench.server import snapshot


class Form(StatesGroup):
    name = State()
    age = State()
    city = State()


class Sink:
    """Where handlers put replies (instead of ``message.answer``)."""

    def __init__(self) -> None:
        self.count = 0
        self.summaries = 0

    def reply(self, chat_id: int, text: str) -> None:
        self.count += 1
        if text.startswith(SUMMARY_PREFIX):
            self.summaries += 1


def build_router(sink: Sink) -> Router:
    router = Router(name="form")

    @router.message(CommandStart())
    async def start(message: Message, state: FSMContext) -> None:
        await state.set_state(Form.name)
        sink.reply(message.chat.id, "What's your name?")

    @router.message(Form.name, F.text)
    async def got_name(message: Message, state: FSMContext) -> None:
        await state.update_data(name=message.text)
        await state.set_state(Form.age)
        sink.reply(message.chat.id, "How old are you?")

    @router.message(Form.age, F.text.regexp(r"^\s*\d{1,3}\s*$"))
    async def got_age(message: Message, state: FSMContext) -> None:
        await state.update_data(age=int(message.text or "0"))
        await state.set_state(Form.city)
        sink.reply(message.chat.id, "Which city do you live in?")

    @router.message(Form.age)
    async def bad_age(message: Message) -> None:
        sink.reply(message.chat.id, "Please type a number.")

    @router.message(Form.city, F.text)
    async def got_city(message: Message, state: FSMContext) -> None:
        data = await state.update_data(city=message.text)
        await state.clear()
        sink.reply(message.chat.id,
                   f"Thanks {data['name']}, {data['age']}, from {data['city']}.")

    return router


class AiogramBench:
    def __init__(self, url: str, *, isolation: bool) -> None:
        self.redis: Redis = counting_client(url)
        self.admin = Redis.from_url(url)
        keys = DefaultKeyBuilder(prefix="aiobench")
        self.storage = RedisStorage(self.redis, key_builder=keys)
        events = RedisEventIsolation(self.redis, key_builder=keys) if isolation else None
        self.sink = Sink()
        self.dp = (Dispatcher(storage=self.storage, events_isolation=events) if events
                   else Dispatcher(storage=self.storage))
        self.dp.include_router(build_router(self.sink))
        self.bot = Bot("123456:TEST")
        self.name = "aiogram+isolation" if isolation else "aiogram"
        self._update_id = 0
        self._now = dt.datetime.now(dt.UTC)

    def _update(self, index: int, text: str) -> Update:
        self._update_id += 1
        user = User(id=100_000 + index, is_bot=False, first_name=f"U{index}")
        chat = Chat(id=100_000 + index, type="private")
        return Update(update_id=self._update_id, message=Message(
            message_id=self._update_id, date=self._now, chat=chat, from_user=user, text=text))

    async def _customer(self, index: int, latencies: list[float]) -> None:
        for text in script(index):
            t0 = time.perf_counter()
            await self.dp.feed_update(self.bot, self._update(index, text))
            latencies.append((time.perf_counter() - t0) * 1000)

    async def run(self, customers: range, inflight: int, *, passes: int = 1) -> RunResult:
        await self.admin.execute_command("FLUSHDB", "SYNC")
        self.sink.summaries = 0
        await self.admin.config_resetstat()
        before = await snapshot(self.admin)
        trips0 = Counter.round_trips
        driven = await drive(self._customer, customers, inflight, passes)
        trips = Counter.round_trips - trips0
        after = await snapshot(self.admin)
        return RunResult(self.name, len(everyone(customers, passes)), len(driven.latencies_ms),
                         driven.wall, driven.cpu, driven.latencies_ms, after.minus(before),
                         trips, self.sink.summaries, passes=passes)

    async def close(self) -> None:
        await self.bot.session.close()
        await self.storage.close()
        await self.admin.aclose()
