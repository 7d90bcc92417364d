"""A commit's one reply, once sent, is cleared from the outbox by the customer's next
script call or within a bound (``bot/store/acks.py``): never lost, never sent twice
without a crash, in commit order across processes, and a worker acknowledges its work
only once the clearing is written."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from bot.dispatch import Dispatcher
from bot.messages import Identity, Inbound, Text
from bot.model import Delivery, Event
from bot.store.results import Claim, Committed, NoSend
from bot.store.scripts import load_script
from bot.store.store import Store
from connectors.collecting import CollectingConnector
from tests.servers import CLUSTER
from tests.waiting import eventually

ANA = Identity(channel="webchat", user_id="ana")


def replies_to(claim: Claim, *texts: str) -> list[Delivery]:
    return [Delivery(id=f"{claim.version + 1:012d}.{i:03d}", customer_id=claim.customer_id,
                     to=ANA, message=Text(text=text)) for i, text in enumerate(texts)]


async def turn(store: Store, message_id: str, *texts: str) -> tuple[Claim, Committed]:
    """A message recorded and claimed, and its turn committed with ``texts`` as replies."""
    claim = await store.ingest(Inbound(identity=ANA, message_id=message_id, text="hi"))
    assert isinstance(claim, Claim)
    committed = await store.commit(claim, session=claim.session, profile=None,
                                   events=[Event(kind="inbound", text="hi")],
                                   outbox=replies_to(claim, *texts))
    return claim, committed


async def outbox_fields(redis: Redis, store: Store, customer_id: str) -> set[bytes]:
    return set(await redis.hkeys(store.keys.customer(customer_id).outbox))


async def test_the_next_message_clears_the_reply_sent_before_it(redis: Redis) -> None:
    store = Store(redis)
    store.outbox.acks.delay = 60  # no clearing by time in this test: only by the message
    chat = CollectingConnector(channel="webchat")
    dispatcher = Dispatcher(store=store, connectors={"webchat": chat})
    claim, committed = await turn(store, "m1", "first")
    await dispatcher.send_here(claim.customer_id, committed.send)
    assert [s.text for s in chat.sent] == ["first"]
    # Sent, still claimed: nobody sends it again, and no script ran for it yet.
    assert await outbox_fields(redis, store, claim.customer_id) == {
        b"000000000001.000", b"~000000000001.000"}
    claim, committed = await turn(store, "m2", "second")
    assert isinstance(committed.send, Delivery) and committed.send.id == "000000000002.000"
    assert await outbox_fields(redis, store, claim.customer_id) == {
        b"000000000002.000", b"~000000000002.000"}
    await dispatcher.send_here(claim.customer_id, committed.send)
    assert [s.text for s in chat.sent] == ["first", "second"]
    await dispatcher.settled(claim.customer_id)  # a worker's acknowledgement waits on it
    assert await outbox_fields(redis, store, claim.customer_id) == set()
    await dispatcher.close(5)
    await store.close()


async def test_a_sent_reply_with_nothing_after_it_is_cleared_within_the_bound(
        redis: Redis) -> None:
    store = Store(redis)
    chat = CollectingConnector(channel="webchat")
    dispatcher = Dispatcher(store=store, connectors={"webchat": chat})
    claim, committed = await turn(store, "m1", "only")
    await dispatcher.send_here(claim.customer_id, committed.send)

    async def cleared() -> bool:
        return not await outbox_fields(redis, store, claim.customer_id)

    await eventually(cleared, timeout=2)
    assert [s.text for s in chat.sent] == ["only"]
    await dispatcher.close(5)
    await store.close()


async def test_a_commit_of_several_replies_sends_them_all_in_order(redis: Redis) -> None:
    store = Store(redis)
    store.outbox.acks.delay = 60
    chat = CollectingConnector(channel="webchat")
    dispatcher = Dispatcher(store=store, connectors={"webchat": chat})
    claim, committed = await turn(store, "m1", "one", "two", "three")
    await dispatcher.send_here(claim.customer_id, committed.send)
    assert [s.text for s in chat.sent] == ["one", "two", "three"]
    assert await outbox_fields(redis, store, claim.customer_id) == set()
    await dispatcher.close(5)
    await store.close()


# Proves docs/architecture.md invariant 8.
async def test_another_processs_next_reply_waits_for_the_clearing_then_goes_once(
        redis: Redis) -> None:
    """Process A sent the customer's reply and has not cleared it yet; process B commits
    the customer's next turn: B's reply waits behind A's claimed one (order), goes out
    once A's clearing is written, and A's is not sent again."""
    a, b = Store(redis), Store(redis)
    chat = CollectingConnector(channel="webchat")
    sender_a = Dispatcher(store=a, connectors={"webchat": chat})
    sender_b = Dispatcher(store=b, connectors={"webchat": chat})
    claim, committed = await turn(a, "m1", "from a")
    await sender_a.send_here(claim.customer_id, committed.send)
    claim, committed = await turn(b, "m2", "from b")
    assert committed.send is NoSend.WAIT  # A's reply still holds its claim
    await asyncio.wait_for(sender_b.send_here(claim.customer_id, committed.send), 5)
    assert [(s.text, s.key) for s in chat.sent] == [
        ("from a", f"{claim.customer_id}.000000000001.000.0"),
        ("from b", f"{claim.customer_id}.000000000002.000.0")]
    await sender_b.settled(claim.customer_id)
    assert await outbox_fields(redis, a, claim.customer_id) == set()
    for dispatcher, store in ((sender_a, a), (sender_b, b)):
        await dispatcher.close(5)
        await store.close()


async def test_a_reply_whose_clearing_died_with_its_process_is_sent_again_with_its_key(
        redis: Redis) -> None:
    """At least once: the process sent the reply and died before clearing it; the next
    process's recovery sends it again after the stale time, with the same idempotency
    key (as a crash between the send and ``sent.lua`` always allowed)."""
    dead = Store(redis, send_stale_seconds=0.3)
    dead.outbox.acks.delay = 60  # it dies before the clearing is due
    chat = CollectingConnector(channel="webchat")
    claim, committed = await turn(dead, "m1", "hello")
    await Dispatcher(store=dead, connectors={"webchat": chat}).send_here(
        claim.customer_id, committed.send)
    assert dead.outbox.acks.carry(claim.customer_id) == ("000000000001.000",)
    restarted = Store(redis, send_stale_seconds=0.3)
    dispatcher = Dispatcher(store=restarted, connectors={"webchat": chat})
    dispatcher.enqueue(claim.customer_id)  # what ``Pipeline.recover`` does for it
    await asyncio.wait_for(dispatcher.senders.wait_idle(), 5)
    assert [(s.text, s.key) for s in chat.sent] == [
        ("hello", f"{claim.customer_id}.000000000001.000.0")] * 2
    assert await outbox_fields(redis, restarted, claim.customer_id) == set()
    await dispatcher.close(5)
    await restarted.close()


async def test_the_due_replies_of_many_customers_are_cleared_together(redis: Redis) -> None:
    """Replies sent to several customers, none of whom wrote again: one flush clears them
    all, on a single server in one ``sent_many.lua`` call (no HDEL each), on a cluster
    with an HDEL each (their outboxes live in different slots). Nothing else moves: each
    outbox loses exactly its sent reply and its claim."""
    store = Store(redis)
    store.outbox.acks.delay = 60  # cleared by the flush below, not by time
    chat = CollectingConnector(channel="webchat")
    dispatcher = Dispatcher(store=store, connectors={"webchat": chat})
    customers = []
    for name in ("ana", "ben", "cy"):
        who = Identity(channel="webchat", user_id=name)
        claim = await store.ingest(Inbound(identity=who, message_id=f"{name}-1", text="hi"))
        assert isinstance(claim, Claim)
        reply = Delivery(id=f"{claim.version + 1:012d}.000", customer_id=claim.customer_id,
                         to=who, message=Text(text=f"hello {name}"))
        committed = await store.commit(claim, session=claim.session, profile=None,
                                       events=[Event(kind="inbound", text="hi")],
                                       outbox=[reply])
        await dispatcher.send_here(claim.customer_id, committed.send)
        customers.append(claim.customer_id)
    for customer in customers:
        assert await outbox_fields(redis, store, customer) == {
            b"000000000001.000", b"~000000000001.000"}
    if not CLUSTER:
        await redis.script_load(load_script("sent_many"))  # no NOSCRIPT in the count
        await redis.config_resetstat()
    await store.outbox.acks.flush()
    for customer in customers:
        assert await outbox_fields(redis, store, customer) == set()
        assert store.outbox.acks.carry(customer) == ()
    if not CLUSTER:
        stats = await redis.info("commandstats")
        assert stats["cmdstat_evalsha"]["calls"] == 1
        assert stats["cmdstat_hdel"]["calls"] == 3  # the script's, one per outbox
    assert [s.text for s in chat.sent] == ["hello ana", "hello ben", "hello cy"]
    await dispatcher.close(5)
    await store.close()
