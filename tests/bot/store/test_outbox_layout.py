"""The send claims as fields of the outbox hash (``OutboxFields``), and the move of the
claims a store written by the previous version holds in a hash of their own (``sending``):
a reply in flight then is not claimed and sent a second time."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from bot.messages import Identity, Inbound, Text
from bot.model import DELIVERIES, Delivery, Session
from bot.runtime import Runtime
from bot.store.keys import OutboxFields
from bot.store.outbox import LAYOUT
from bot.store.results import Claim, NoSend
from bot.store.scripts import now_ms
from bot.store.store import Store
from connectors.collecting import CollectingConnector
from tests.waiting import eventually

ANA = Identity(channel="webchat", user_id="ana")
BEA = Identity(channel="webchat", user_id="bea")


def reply(customer: str, n: int, *, origin: str = "bot") -> Delivery:
    return Delivery(id=f"{n:012d}.000", customer_id=customer, to=ANA,
                    message=Text(text=f"reply {n}"), origin=origin)  # type: ignore[arg-type]


async def test_a_claim_is_a_field_of_the_outbox_and_goes_with_its_reply(
    store: Store, redis: Redis,
) -> None:
    customer = await store.resolve(ANA)
    ck = store.keys.customer(customer)
    await store.outbox.add(customer, [reply(customer, 1), reply(customer, 2)])
    first = await store.outbox.next(customer)
    assert isinstance(first, Delivery) and first.id == reply(customer, 1).id
    fields = sorted(await redis.hkeys(ck.outbox))
    assert fields == [b"000000000001.000", b"000000000002.000", b"~000000000001.000"]
    # the claim is no reply: the outbox lists two, and the second waits for the first
    assert [d.id for d in await store.outbox.pending(customer)] == [
        reply(customer, 1).id, reply(customer, 2).id]
    assert await store.outbox.next(customer) is NoSend.WAIT
    second = await store.outbox.sent(customer, first.id)
    assert isinstance(second, Delivery) and second.id == reply(customer, 2).id
    assert sorted(await redis.hkeys(ck.outbox)) == [b"000000000002.000",
                                                    b"~000000000002.000"]
    assert await store.outbox.sent(customer, second.id) is NoSend.NONE
    assert not await redis.exists(ck.outbox, ck.sending)


async def test_a_claim_written_by_the_previous_version_is_moved_and_honoured(
    store: Store, redis: Redis,
) -> None:
    """The old layout: the reply in the outbox hash, its claim in ``sending`` (id → ms).
    Without the move the reply would look unclaimed and be handed out again at once."""
    customer = await store.resolve(ANA)
    ck = store.keys.customer(customer)
    in_flight, gone = reply(customer, 1), reply(customer, 0)
    await redis.hset(ck.outbox, in_flight.id, DELIVERIES.dump_json(in_flight))
    claimed_at = now_ms()
    await redis.hset(ck.sending, mapping={in_flight.id: claimed_at,
                                          gone.id: claimed_at})  # sent, its claim left
    assert await store.outbox.adopt_old_marks() == 1
    assert not await redis.exists(ck.sending)
    assert await redis.hget(ck.outbox, OutboxFields.MARK + in_flight.id) == \
        str(claimed_at).encode()
    assert await redis.hget(ck.outbox, OutboxFields.MARK + gone.id) is None
    assert await redis.get(store.keys.layout) == LAYOUT
    assert await store.outbox.next(customer) is NoSend.WAIT  # still the old sender's
    # Once moved, a start-up only reads the layout's version.
    await redis.hset(ck.sending, in_flight.id, 1)
    assert await store.outbox.adopt_old_marks() == 0
    assert await redis.exists(ck.sending)


async def test_a_stale_claim_of_the_previous_version_is_handed_out_again(redis: Redis) -> None:
    """A sender of the old version that died mid-send: its claim moves like a live one,
    and expires like one."""
    store = Store(redis, send_stale_seconds=1)
    customer = await store.resolve(ANA)
    ck = store.keys.customer(customer)
    in_flight = reply(customer, 1)
    await redis.hset(ck.outbox, in_flight.id, DELIVERIES.dump_json(in_flight))
    await redis.hset(ck.sending, in_flight.id, now_ms() - 5_000)
    assert await store.outbox.adopt_old_marks() == 1
    again = await store.outbox.next(customer)
    assert isinstance(again, Delivery) and again.id == in_flight.id


async def test_a_takeover_withdraws_the_unclaimed_bot_replies_only(
    store: Store, redis: Redis,
) -> None:
    """The commit tells a claimed reply from its mark in the same hash."""
    customer = await store.resolve(ANA)
    ck = store.keys.customer(customer)
    await store.outbox.add(customer, [reply(customer, 1), reply(customer, 2),
                                      reply(customer, 3, origin="operator")])
    first = await store.outbox.next(customer)
    assert isinstance(first, Delivery)
    claim = await store.ingest(Inbound(identity=ANA, message_id="m1", text="hi"))
    assert isinstance(claim, Claim)
    committed = await store.commit(claim, session=Session(mode="human", address=ANA),
                                   profile=None, events=[], outbox=[])
    assert committed.next is None
    assert sorted(await redis.hkeys(ck.outbox)) == [
        b"000000000001.000", b"000000000003.000", b"~000000000001.000"]


async def test_a_worker_starting_on_a_previous_versions_store_moves_the_claims_first(
    make_settings: Any, redis: Redis,
) -> None:
    """The start-up recovery hands every outbox to the dispatcher: a reply another process
    was sending when the old version stopped stays that sender's (a second send would
    reach the customer twice), and an unclaimed one goes out."""
    settings = make_settings(server={"shutdown_timeout": 0.5})  # its sender waits: stop it
    keys = Store(redis).keys
    customer = await Store(redis).resolve(ANA)
    ck = keys.customer(customer)
    claimed, waiting = reply(customer, 1), reply(customer, 2)
    other = await Store(redis).resolve(BEA)
    unclaimed = Delivery(id=f"{1:012d}.000", customer_id=other, to=BEA,
                         message=Text(text="not claimed"))
    await redis.hset(ck.outbox, mapping={d.id: DELIVERIES.dump_json(d)
                                         for d in (claimed, waiting)})
    await redis.hset(ck.sending, claimed.id, now_ms())
    await redis.hset(keys.customer(other).outbox, unclaimed.id,
                     DELIVERIES.dump_json(unclaimed))
    chat = CollectingConnector(channel="webchat")
    async with Runtime(settings, connectors=[chat], serve_http=False) as runtime:
        await eventually(lambda: _sent_to(chat, BEA))
        # Not settled: the old sender's claim holds its reply (and the one behind it) for
        # the stale time, as it did in the old layout.
        assert chat.to(ANA.user_id) == []
        assert not await redis.exists(ck.sending)
        assert [d.id for d in await runtime.store.outbox.pending(customer)] == [
            claimed.id, waiting.id]


async def _sent_to(chat: CollectingConnector, identity: Identity) -> bool:
    return len(chat.to(identity.user_id)) == 1
