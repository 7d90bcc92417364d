"""Sending replies: one sender per customer at a time, in commit order, whether a pump
task or the turn's own task sends them."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from bot.channels import SendContext, SendReceipt
from bot.dispatch import Dispatcher
from bot.errors import RateLimited, TransientError, Unreachable
from bot.messages import Identity, Outbound, Text
from bot.model import Delivery
from bot.store.keys import OutboxFields
from bot.store.results import NoSend
from bot.store.store import Store
from bot.tasks import TaskTracker
from connectors.collecting import CollectingConnector

ANA = Identity(channel="webchat", user_id="ana")


class GatedConnector(CollectingConnector):
    """Holds every send until the gate opens: a slow platform."""

    def __init__(self) -> None:
        super().__init__(channel="webchat")
        self.gate = asyncio.Event()
        self.entered = asyncio.Event()

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        self.entered.set()
        await self.gate.wait()
        return await super().send(to, message, key=key, context=context)


def reply(customer_id: str, n: int) -> Delivery:
    return Delivery(id=f"{n:012d}.000", customer_id=customer_id, to=ANA,
                    message=Text(text=f"reply {n}"))


async def start_sending(
    store: Store, chat: CollectingConnector, reached: asyncio.Event, **options: float,
) -> tuple[Dispatcher, str, Delivery, asyncio.Task[None]]:
    """A reply claimed and being sent by the dispatcher, up to when ``reached`` is set
    by the connector."""
    dispatcher = Dispatcher(store=store, connectors={"webchat": chat}, **options)
    customer = await store.resolve(ANA)
    await store.outbox.add(customer, [reply(customer, 1)])
    claimed = await store.outbox.next(customer)
    assert isinstance(claimed, Delivery)
    sending = asyncio.create_task(dispatcher.send_here(customer, claimed))
    await reached.wait()
    return dispatcher, customer, claimed, sending


# Proves docs/architecture.md invariant 8.
async def test_a_turn_sends_its_replies_itself_and_later_ones_join_it(store: Store) -> None:
    chat = GatedConnector()
    dispatcher, customer, _first, sending = await start_sending(store, chat, chat.entered)
    # A later turn commits while the first reply is on its way: its reply waits for it,
    # and its own task does not become a second sender.
    await store.outbox.add(customer, [reply(customer, 2)])
    assert await store.outbox.next(customer) is NoSend.WAIT
    await asyncio.wait_for(dispatcher.send_here(customer, NoSend.WAIT), 1)
    assert not sending.done() and len(dispatcher.senders) == 0
    settled = asyncio.create_task(dispatcher.settled(customer))
    chat.gate.set()
    await asyncio.wait_for(settled, 5)
    assert sending.done()
    assert [s.text for s in chat.sent] == ["reply 1", "reply 2"]
    assert [s.key for s in chat.sent] == [f"{customer}.{n:012d}.000.0" for n in (1, 2)]
    assert await store.outbox.pending(customer) == []
    await dispatcher.close(5)


async def test_waiting_for_replies_ends_when_they_are_out_though_the_turn_task_lives_on(
        store: Store) -> None:
    """A turn's task is parked for the next turn once its replies are out
    (``TaskTracker.run``): a worker waiting to acknowledge its work (``settled``) waits
    for the replies, not for that task to end, which it does not."""
    chat = GatedConnector()
    dispatcher = Dispatcher(store=store, connectors={"webchat": chat})
    customer = await store.resolve(ANA)
    await store.outbox.add(customer, [reply(customer, 1)])
    claimed = await store.outbox.next(customer)
    turns = TaskTracker("turns", parked=1)
    turns.run(dispatcher.send_here(customer, claimed))
    await chat.entered.wait()
    settled = asyncio.create_task(dispatcher.settled(customer))
    await asyncio.sleep(0)
    assert not settled.done(), "the reply is still on its way"
    chat.gate.set()
    await asyncio.wait_for(settled, 5)
    assert [s.text for s in chat.sent] == ["reply 1"]
    await turns.drain(1)
    await dispatcher.close(5)


class RateLimitedOnce(CollectingConnector):
    """Asks to wait ``retry_after`` seconds on the first send, then takes everything."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(channel="webchat")
        self.retry_after = retry_after
        self.attempts = 0
        self.limited = asyncio.Event()

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        self.attempts += 1
        if self.attempts == 1:
            self.limited.set()
            raise RateLimited("webchat", self.retry_after)
        return await super().send(to, message, key=key, context=context)


# Proves docs/architecture.md invariant 8.
async def test_a_reply_waiting_out_a_long_rate_limit_stays_its_senders(redis: Redis) -> None:
    """The wait is longer than the stale time after which a dead sender's claim is taken
    over: the sender keeps renewing it, so a second process never sends it too."""
    store, other = Store(redis, send_stale_seconds=0.3), Store(redis, send_stale_seconds=0.3)
    chat = RateLimitedOnce(retry_after=1.0)
    dispatcher, customer, _claimed, sending = await start_sending(store, chat, chat.limited)
    for _ in range(8):  # across the whole wait, well past the stale time
        assert await other.outbox.next(customer) is NoSend.WAIT
        await asyncio.sleep(0.1)
    await asyncio.wait_for(sending, 5)
    assert [s.text for s in chat.sent] == ["reply 1"] and chat.attempts == 2
    assert await store.outbox.pending(customer) == []
    await dispatcher.close(5)


# Proves docs/architecture.md invariant 8.
async def test_a_sender_that_lost_its_claim_while_waiting_does_not_send(redis: Redis) -> None:
    """As when the process was paused past the stale time and another took the reply over:
    on waking it finds the claim is not its own and leaves the reply to the other."""
    store = Store(redis, send_stale_seconds=0.3)
    chat = RateLimitedOnce(retry_after=0.5)
    dispatcher, customer, claimed, sending = await start_sending(store, chat, chat.limited)
    # Another process's claim, as next_send writes it when it takes over a stale one.
    await redis.hset(store.keys.customer(customer).outbox, OutboxFields.MARK + claimed.id, "1")
    await asyncio.wait_for(sending, 5)
    assert chat.sent == [] and chat.attempts == 1
    assert [d.id for d in await store.outbox.pending(customer)] == [claimed.id]
    await dispatcher.close(5)


class AlwaysFailing(CollectingConnector):
    """A platform that answers every send with a transient error."""

    def __init__(self) -> None:
        super().__init__(channel="webchat")
        self.attempts = 0
        self.failed = asyncio.Event()

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        self.attempts += 1
        self.failed.set()
        raise TransientError("webchat", "the platform is down")


async def test_a_reply_is_tried_max_attempts_times_then_given_up_in_the_history(
    store: Store,
) -> None:
    chat = AlwaysFailing()
    dispatcher, customer, claimed, sending = await start_sending(
        store, chat, chat.failed, backoff_base=0.01, backoff_max=0.01)
    await asyncio.wait_for(sending, 5)
    assert chat.attempts == dispatcher.max_attempts
    assert await store.outbox.pending(customer) == []  # nothing stays stuck
    [event] = await store.history(customer)
    assert event.kind == "error" and event.data == {"delivery": claimed.id}
    assert f"gave up after {dispatcher.max_attempts} attempts" in (event.text or "")
    await dispatcher.close(5)


class Blocked(CollectingConnector):
    """A customer who blocked the bot: every send is refused as unreachable."""

    def __init__(self) -> None:
        super().__init__(channel="webchat")

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        raise Unreachable("webchat", "the customer blocked the bot")


async def test_a_failing_mark_unreachable_leaves_the_customer_stranded(
    store: Store, redis: Redis,
) -> None:
    """Issue 14: the store's error while marking an identity unreachable used to escape
    the sender as a raw RedisError, past the "stranded" path: a worker acknowledged the
    work and the reply stayed in the outbox with nobody to retry it."""
    customer = await store.resolve(ANA)
    # A real refusal from the real server: the key holds a string, HSET answers WRONGTYPE.
    await redis.set(store.keys.customer(customer).unreachable, "not a hash")
    first = reply(customer, 1)
    await store.outbox.add(customer, [first])
    dispatcher = Dispatcher(store=store, connectors={"webchat": Blocked()})
    dispatcher.enqueue(customer)
    await dispatcher.senders.wait_idle()
    assert customer in dispatcher.stranded
    assert [d.id for d in await store.outbox.pending(customer)] == [first.id]  # kept
    await dispatcher.close(5)
