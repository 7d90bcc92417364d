"""Sending replies: one sender per customer at a time, in commit order, whether a pump
task or the turn's own task sends them."""

from __future__ import annotations

import asyncio

from bot.dispatch import Dispatcher
from bot.messages import Identity, Outbound, Text
from bot.model import Delivery
from bot.store.store import Store
from connectors.base import SendReceipt
from connectors.collecting import CollectingConnector

ANA = Identity(channel="webchat", user_id="ana")


class GatedConnector(CollectingConnector):
    """Holds every send until the gate opens: a slow platform."""

    def __init__(self) -> None:
        super().__init__(name="webchat")
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def send(self, to: Identity, message: Outbound, *, key: str = "") -> SendReceipt:
        self.entered.set()
        await self.gate.wait()
        return await super().send(to, message, key=key)


def reply(customer_id: str, n: int) -> Delivery:
    return Delivery(id=f"{n:012d}.000", customer_id=customer_id, to=ANA,
                    message=Text(text=f"reply {n}"))


async def test_a_turn_sends_its_replies_itself_and_later_ones_join_it(store: Store) -> None:
    chat = GatedConnector()
    dispatcher = Dispatcher(store=store, connectors={"webchat": chat})
    customer = await store.resolve(ANA)
    await store.add_deliveries(customer, [reply(customer, 1)])
    first = await store.next_delivery(customer)
    assert isinstance(first, Delivery)
    sending = asyncio.create_task(dispatcher.send_here(customer, first))
    await chat.entered.wait()
    # A later turn commits while the first reply is on its way: its reply waits for it,
    # and its own task does not become a second sender.
    await store.add_deliveries(customer, [reply(customer, 2)])
    assert await store.next_delivery(customer) == "wait"
    await asyncio.wait_for(dispatcher.send_here(customer, "wait"), 1)
    assert not sending.done() and len(dispatcher.senders) == 0
    settled = asyncio.create_task(dispatcher.settled(customer))
    chat.gate.set()
    await asyncio.wait_for(settled, 5)
    assert sending.done()
    assert [s.text for s in chat.sent] == ["reply 1", "reply 2"]
    assert [s.key for s in chat.sent] == [f"{customer}.{n:012d}.000.0" for n in (1, 2)]
    assert await store.pending_deliveries(customer) == []
    await dispatcher.close(5)
