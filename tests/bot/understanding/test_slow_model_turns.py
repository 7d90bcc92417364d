"""A turn waiting on a slow model keeps its customer's lease (bot/leases.py renews it), so
no other worker takes the customer over and runs the turn again, and it never holds up
other customers' turns."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.dialogue import DialogueEngine, Flow, StepResult, Turn
from bot.dispatch import Dispatcher
from bot.messages import Identity, Inbound
from bot.pipeline import Pipeline
from bot.store.client import connect
from bot.store.store import Store
from bot.understanding.contract import FlowSpec, Request, StartFlow
from bot.understanding.openai_provider import OpenAIProvider
from connectors.collecting import CollectingConnector
from tests.fakes.openai_api import FakeOpenAI
from tests.servers import CLUSTER

SLOW = Identity(channel="telegram", user_id="2001")
FAST = Identity(channel="telegram", user_id="2002")
LEASE_SECONDS = 1.0
MODEL_SECONDS = 2.0


def understanding_flow(provider: OpenAIProvider) -> Flow:
    """A flow whose only step asks the model about every message, as the understanding
    stage does, and says what it understood."""
    flow = Flow("ask_model")

    @flow.step
    async def ask(turn: Turn) -> StepResult:
        understood = await provider.understand(Request(
            text=turn.inbound.text or "", locale="en", locales=("en",),
            flows=(FlowSpec("returns"),)))
        kinds = [type(command).__name__ for command in understood.commands]
        turn.say(f"{turn.inbound.text}: {kinds}")
        return None

    return flow


class Worker:
    """One pipeline with its own connection, as another worker process would have."""

    def __init__(self, redis_url: str, provider: OpenAIProvider,
                 chat: CollectingConnector) -> None:
        self.redis = connect(redis_url, cluster=CLUSTER)
        self.store = Store(self.redis, lease_seconds=LEASE_SECONDS)
        self.dispatcher = Dispatcher(store=self.store, connectors={"telegram": chat})
        engine = DialogueEngine([understanding_flow(provider)], default_flow="ask_model")
        self.pipeline = Pipeline(store=self.store, engine=engine, dispatcher=self.dispatcher)

    async def close(self) -> None:
        await self.pipeline.close(5)
        await self.dispatcher.close(5)
        await self.redis.aclose()


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as fake:
        yield fake
    assert not fake.rejected


@pytest.fixture
async def provider(llm: FakeOpenAI) -> AsyncIterator[OpenAIProvider]:
    provider = OpenAIProvider(base_url=llm.base_url, api_key="sk-test", model="test-model",
                              timeout_seconds=MODEL_SECONDS * 3)
    yield provider
    await provider.close()


async def test_a_turn_waiting_on_a_slow_model_keeps_its_lease_and_others_go_on(
    redis: Redis, redis_url: str, llm: FakeOpenAI, provider: OpenAIProvider,
) -> None:
    chat = CollectingConnector(channel="telegram")
    one, two = Worker(redis_url, provider, chat), Worker(redis_url, provider, chat)
    try:
        llm.answer(("start_flow", {"flow": "returns"}), match="slow", delay=MODEL_SECONDS)
        llm.answer(("hand_off", {}), match="fast")
        await one.pipeline.submit([Inbound(identity=SLOW, message_id="s1", text="slow")])
        await llm.wait_for_requests(1)
        # A second worker sweeps for waiting customers while the model thinks: it finds
        # the slow customer but must not get them while the first turn runs.
        assert await two.pipeline.recover() == 1
        # Another customer's turn, on the same worker, is answered meanwhile.
        await one.pipeline.submit([Inbound(identity=FAST, message_id="f1", text="fast")])
        await chat.wait_for(lambda sent: [s.text for s in sent] == ["fast: ['HandOff']"])
        assert llm.answered == 1, "the slow model has not answered yet"
        await chat.wait_for(lambda sent: len(sent) == 2, timeout=MODEL_SECONDS * 3)
        await two.pipeline.turns.wait_idle()
        assert chat.sent[1].text == f"slow: ['{StartFlow.__name__}']"
        assert len(llm.requests) == 2, "no second worker ran the slow turn again"
        for worker in (one, two):
            stale = worker.pipeline.metrics.registry.get_sample_value(
                "omnicanal_stale_writes_total")
            assert stale == 0
        session, _ = await one.store.load(await one.store.resolve(SLOW))
        assert session.version == 1, "committed once"
    finally:
        await one.close()
        await two.close()
