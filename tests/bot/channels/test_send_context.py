"""The window context of a send: read from the store only when a connector asks, once per
delivery, and what it reads is when the customer last wrote on that identity."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.channels import Capabilities, SendContext, SendReceipt
from bot.dispatch import Dispatcher
from bot.errors import StoreError
from bot.messages import Identity, Outbound, Text
from bot.model import Delivery
from bot.store.store import Store
from connectors.collecting import CollectingConnector

ANA = Identity(channel="whatsapp", user_id="ana")


async def test_the_last_inbound_time_is_read_on_the_first_ask_only() -> None:
    reads: list[str] = []

    async def read() -> float | None:
        reads.append("read")
        return 1234.5

    context = SendContext("operator", last_inbound=read)
    assert reads == []  # made, not read: a channel without a window never asks
    assert await context.last_inbound_at() == 1234.5
    assert await context.last_inbound_at() == 1234.5
    assert reads == ["read"] and context.origin == "operator"


async def test_a_failed_read_is_tried_again_on_the_next_ask() -> None:
    answers: list[float | Exception] = [StoreError("down"), 99.0]

    async def read() -> float | None:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    context = SendContext(last_inbound=read)
    with pytest.raises(StoreError):
        await context.last_inbound_at()
    assert await context.last_inbound_at() == 99.0


async def test_a_known_context_answers_without_reading() -> None:
    assert await SendContext.known(None).last_inbound_at() is None
    assert await SendContext.known(5.0, "system").last_inbound_at() == 5.0


class WindowedChannel(CollectingConnector):
    """Asks for the window on every part, as WhatsApp and Messenger do."""

    def __init__(self) -> None:
        super().__init__(channel="whatsapp", capabilities=Capabilities(max_text_length=10))
        self.asked: list[tuple[float | None, str]] = []

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        self.asked.append((await context.last_inbound_at(), context.origin))
        return await super().send(to, message, key=key, context=context)


async def test_the_dispatcher_tells_a_windowed_channel_when_the_customer_last_wrote(
    store: Store, redis: Redis
) -> None:
    customer = await store.resolve(ANA)
    await redis.hset(store.keys.customer(customer).last_inbound, ANA.key, "1700000000500")  # ms
    chat = WindowedChannel()
    dispatcher = Dispatcher(store=store, connectors={"whatsapp": chat})
    reply = Delivery(id="000000000001.000", customer_id=customer, to=ANA, origin="operator",
                     message=Text(text="two parts, split"))
    await dispatcher.submit(customer, [reply])
    await dispatcher.settled(customer)
    await dispatcher.close(5)
    assert len(chat.sent) == 2  # the renderer split it; both parts see the same context
    assert chat.asked == [(1700000000.5, "operator")] * 2
