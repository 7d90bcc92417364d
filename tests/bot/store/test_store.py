"""The store's guarantees, against a real server: dedupe, claims, compare-and-set."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest
from redis.asyncio import Redis

from bot.errors import StaleWrite, StoreError
from bot.messages import Attachment, ConsentChange, Identity, Inbound, SenderHint, Text
from bot.model import DELIVERIES, Delivery, Event, Profile, Session
from bot.store.history_codec import load_event
from bot.store.results import Claim, NoSend, Recorded
from bot.store.store import Store
from bot.store.work import Doorbell
from tests.servers import CLUSTER

ANA = Identity(channel="webchat", user_id="ana")


def message(n: int, identity: Identity = ANA) -> Inbound:
    return Inbound(identity=identity, message_id=f"m{n}", text=f"hello {n}")


async def test_first_contact_creates_one_customer_per_identity(store: Store) -> None:
    first, again = await asyncio.gather(store.resolve(ANA), Store(store.redis).resolve(ANA))
    assert first == again
    assert await store.identities(first) == [ANA]


# Proves docs/architecture.md invariant 2.
async def test_a_message_is_recorded_once_and_claims_the_customer(store: Store) -> None:
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    assert claim.inbound.text == "hello 1" and claim.version == 0
    assert await store.ingest(message(1)) == Recorded(claim.customer_id, "duplicate")
    assert await store.ingest(message(2)) == Recorded(claim.customer_id, "queued")


async def test_commit_hands_over_the_next_message_and_keeps_order(store: Store) -> None:
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    for n in (2, 3):
        assert await store.ingest(message(n)) == Recorded(claim.customer_id, "queued")
    seen = []
    current: Claim | None = claim
    while current is not None:
        seen.append(current.inbound.text)
        current = (await store.commit(current, session=current.session, profile=None,
                                      events=[Event(kind="inbound", text=current.inbound.text)],
                                      outbox=[])).next
    assert seen == ["hello 1", "hello 2", "hello 3"]
    customer = claim.customer_id
    session, _ = await store.load(customer)
    assert session.version == 3
    assert [e.text for e in await store.history(customer)] == seen
    # The lease is released once the inbox is empty: the next message claims again.
    assert isinstance(await store.ingest(message(4)), Claim)


# Proves docs/architecture.md invariant 1.
async def test_a_writer_whose_lease_expired_cannot_overwrite_newer_state(redis: Redis) -> None:
    slow = Store(redis, lease_seconds=0.2)
    fast = Store(redis, lease_seconds=5)
    stale = await slow.ingest(message(1))
    assert isinstance(stale, Claim)
    await asyncio.sleep(0.3)  # the slow writer "pauses" past its lease
    fresh = await fast.claim(stale.customer_id)
    assert isinstance(fresh, Claim)
    newer = Session(misunderstood=7)
    await fast.commit(fresh, session=newer, profile=None, events=[], outbox=[])
    with pytest.raises(StaleWrite):
        await slow.commit(stale, session=Session(misunderstood=1), profile=None,
                          events=[Event(kind="inbound", text="stale")],
                          outbox=[Delivery(id="x", customer_id=stale.customer_id, to=ANA,
                                           message=Text(text="stale reply"))])
    session, _ = await fast.load(stale.customer_id)
    assert session.misunderstood == 7 and session.version == 1
    assert await fast.history(stale.customer_id) == []
    assert await fast.outbox.pending(stale.customer_id) == []


# Proves docs/architecture.md invariant 1.
async def test_a_commit_against_an_old_version_is_refused(store: Store) -> None:
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    await store.ingest(message(2))
    committed = await store.commit(claim, session=Session(), profile=None, events=[], outbox=[])
    assert committed.next is not None
    # Same lease token, but the version it read is gone: refused.
    with pytest.raises(StaleWrite):
        await store.commit(claim, session=Session(), profile=None, events=[], outbox=[])


async def test_claim_reports_a_held_lease_and_an_empty_inbox(store: Store) -> None:
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    busy = await store.claim(claim.customer_id)
    assert isinstance(busy, float) and 0 < busy <= 5
    await store.commit(claim, session=claim.session, profile=None, events=[], outbox=[])
    assert await store.claim(claim.customer_id) is None


async def test_outbox_items_wait_until_delivered(store: Store) -> None:
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    deliveries = [Delivery(id=f"000000000001.{i:03d}", customer_id=claim.customer_id, to=ANA,
                           message=Text(text=f"reply {i}")) for i in range(2)]
    committed = await store.commit(claim, session=claim.session, profile=None, events=[],
                                   outbox=deliveries)
    assert [d.id for d in await store.outbox.pending(claim.customer_id)] == [
        d.id for d in deliveries]
    # The first reply is claimed with the commit; the second waits for it...
    assert isinstance(committed.send, Delivery) and committed.send.id == deliveries[0].id
    assert await store.outbox.next(claim.customer_id) is NoSend.WAIT
    # ...and is claimed as the first one is done.
    following = await store.outbox.sent(claim.customer_id, deliveries[0].id)
    assert isinstance(following, Delivery) and following.id == deliveries[1].id
    assert [d.id for d in await store.outbox.pending(claim.customer_id)] == [deliveries[1].id]
    assert await store.outbox.sent(claim.customer_id, deliveries[1].id) is NoSend.NONE


async def test_history_is_capped(redis: Redis) -> None:
    store = Store(redis, history_limit=10)
    claim: Claim | None = await store.ingest(message(0))
    assert isinstance(claim, Claim)
    events = [Event(kind="note", text=str(i)) for i in range(25)]
    await store.commit(claim, session=Session(), profile=None, events=events, outbox=[])
    history = await store.history(claim.customer_id)
    assert [e.text for e in history] == [str(i) for i in range(15, 25)]


async def test_an_identity_moved_to_another_customer_follows_on_ingest(store: Store) -> None:
    bob = Identity(channel="telegram", user_id="42")
    ana_customer = await store.resolve(ANA)
    other = Store(store.redis)  # another process with its own identity cache
    assert await other.resolve(bob) != ana_customer
    await store.assign_identity(bob, ana_customer)
    outcome = await other.ingest(message(9, bob))  # its cache is stale: it must follow
    assert isinstance(outcome, Claim)
    assert outcome.customer_id == ana_customer


async def test_a_web_process_records_and_rings_without_claiming(store: Store) -> None:
    doorbell = Doorbell("omni:work", 1000)
    recorded = await store.ingest(message(1), doorbell=doorbell)
    assert isinstance(recorded, Recorded) and recorded.status == "queued"
    customer = recorded.customer_id
    # A redelivery has no second effect, but rings again: the first ring may have been
    # the part that failed.
    assert await store.ingest(message(1), doorbell=doorbell) == Recorded(customer, "duplicate")
    rings = await store.redis.xrange(doorbell.stream)
    assert [fields for _id, fields in rings] == [{b"c": customer.encode()}] * 2
    claim = await store.claim(customer)  # no lease was taken: a worker claims it
    assert isinstance(claim, Claim) and claim.inbound.text == "hello 1"


async def test_a_doorbell_that_cannot_ring_fails_the_ingest_until_it_can(store: Store) -> None:
    doorbell = Doorbell("omni:work", 1000)
    await store.redis.set(doorbell.stream, "not a stream")
    with pytest.raises(StoreError):
        await store.ingest(message(1), doorbell=doorbell)
    await store.redis.delete(doorbell.stream)
    # The platform delivers again (the webhook answered 5xx): recorded once, and rung.
    recorded = await store.ingest(message(1), doorbell=doorbell)
    assert isinstance(recorded, Recorded)
    rings = await store.redis.xrange(doorbell.stream)
    assert [fields for _id, fields in rings] == [{b"c": recorded.customer_id.encode()}]
    claim = await store.claim(recorded.customer_id)
    assert isinstance(claim, Claim) and claim.inbound.text == "hello 1"
    committed = await store.commit(claim, session=claim.session, profile=None, events=[],
                                   outbox=[])
    assert committed.next is None and committed.send is NoSend.NONE


async def test_a_commit_stores_exactly_what_the_models_serialise(
    store: Store, redis: Redis,
) -> None:
    """The commit calls the serializers directly: what it stores must stay byte for byte
    what ``model_dump_json`` writes (the profile's defaults left off, read back as such), events
    keep their compact layout and replies the layout that every reader parses."""
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    await store.ingest(message(2))
    session = Session(misunderstood=2, address=ANA)
    profile = Profile(name="Ana", locale="es")
    event = Event(kind="inbound", text="hello 1", data={"message_id": "m1"})
    reply = Delivery(id="000000000001.000", customer_id=claim.customer_id, to=ANA,
                     message=Text(text="¿hola?"))
    committed = await store.commit(claim, session=session, profile=profile, events=[event],
                                   outbox=[reply])
    ck = store.keys.customer(claim.customer_id)
    stored = await redis.hmget(ck.session, ["d", "p"])
    assert stored == [session.model_dump_json().encode(),
                      profile.model_dump_json(exclude_defaults=True).encode()]
    [stored_event] = await redis.lrange(ck.events, 0, -1)
    # The compact layout (bot/store/history_codec.py): kind, time in ms, text, identity, data.
    assert json.loads(stored_event) == ["i", round(event.at * 1000), "hello 1", None,
                                        {"message_id": "m1"}]
    assert load_event(stored_event) == replace(event, at=round(event.at * 1000) / 1000)
    stored_reply = await redis.hget(ck.outbox, reply.id)
    assert json.loads(stored_reply) == {
        "id": reply.id, "customer_id": claim.customer_id, "created_at": reply.created_at,
        "to": {"channel": ANA.channel, "account": ANA.account, "user_id": ANA.user_id},
        "message": {"kind": "text", "text": "¿hola?"}, "origin": "bot"}
    assert DELIVERIES.validate_json(stored_reply) == reply
    # The reply the commit claimed is this commit's own: handed back as it is.
    assert committed.send is reply
    # The next claim carries the committed state on, and knows what is stored.
    following = committed.next
    assert following is not None and following.inbound.text == "hello 2"
    assert following.session is session and following.version == session.version == 1
    assert (following.saved_session, following.saved_profile) == tuple(stored)


async def test_a_reply_waiting_from_before_goes_first_read_from_the_store(store: Store) -> None:
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    waiting = Delivery(id="000000000000.000", customer_id=claim.customer_id, to=ANA,
                       message=Text(text="a scheduled reminder"), origin="system")
    await store.outbox.add(claim.customer_id, [waiting])
    reply = Delivery(id="000000000001.000", customer_id=claim.customer_id, to=ANA,
                     message=Text(text="a reply"))
    committed = await store.commit(claim, session=claim.session, profile=None, events=[],
                                   outbox=[reply])
    assert committed.send == waiting and committed.send is not waiting


async def test_a_profile_is_written_when_it_differs_from_the_one_claimed(store: Store) -> None:
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim) and claim.saved_profile == b""
    await store.commit(claim, session=claim.session, profile=Profile(name="Ana"), events=[],
                       outbox=[])
    again = await store.ingest(message(2))
    assert isinstance(again, Claim) and again.profile.name == "Ana"
    assert again.saved_profile == again.profile.model_dump_json(exclude_defaults=True).encode()
    again.profile.tags.append("vip")  # changed in place, as a flow may
    await store.commit(again, session=again.session, profile=again.profile, events=[],
                       outbox=[])
    _, profile = await store.load(claim.customer_id)
    assert profile.tags == ["vip"] and profile.name == "Ana"


async def test_a_kept_session_is_reused_only_while_the_store_holds_what_was_committed(
    store: Store,
) -> None:
    other = Store(store.redis)  # another process
    claim = await store.ingest(message(1))
    assert isinstance(claim, Claim)
    session, profile = Session(misunderstood=1), Profile(name="Ana")
    committed = await store.commit(claim, session=session, profile=profile, events=[],
                                   outbox=[])
    store.keep(claim.customer_id, committed, session, profile)
    again = await store.ingest(message(2))
    assert isinstance(again, Claim)
    assert again.session is session and again.profile is profile, "taken as kept"
    assert again.session.version == again.version == 1
    committed = await store.commit(again, session=again.session, profile=again.profile,
                                   events=[], outbox=[])
    store.keep(claim.customer_id, committed, again.session, again.profile)
    # Another process writes in between: the kept objects are stale, the store is read.
    third = await other.ingest(message(3))
    assert isinstance(third, Claim)
    await other.commit(third, session=Session(misunderstood=5), profile=None, events=[],
                       outbox=[])
    fourth = await store.ingest(message(4))
    assert isinstance(fourth, Claim)
    assert fourth.session is not session and fourth.session.misunderstood == 5
    assert fourth.profile is not profile and fourth.profile == profile


async def test_a_claim_takes_the_message_just_recorded_as_it_is(store: Store) -> None:
    first = message(1)
    claim = await store.ingest(first)
    assert isinstance(claim, Claim) and claim.inbound is first  # not parsed back
    # A turn that died left its message in the inbox: the next claim starts with it,
    # read from the store, whatever was just recorded.
    await store.release(claim.customer_id, claim.token)
    second = message(2)
    again = await store.ingest(second)
    assert isinstance(again, Claim)
    assert again.inbound is not first and again.inbound == first


FULL = Inbound(
    identity=Identity(channel="sms", account="shop", user_id="+34600111222"), message_id="f1",
    text="STOP please", payload="menu:stop",
    attachments=(Attachment(kind="image", url="https://x.example/a.png", caption=None),
                 Attachment(kind="location", latitude=40.4, longitude=-3.7)),
    sender=SenderHint(name="Ana", locale=None, verified_phone="34600111222"),
    aliases=(Identity(channel="sms", user_id="34600111222"),), notice=None,
    consent=ConsentChange(granted=False, purposes=("marketing",), keyword=None), timestamp=5.0)


@pytest.mark.parametrize("inbound", [message(1), FULL], ids=["sparse", "full"])
async def test_an_inbound_reads_back_from_the_inbox_as_it_was_written(
        store: Store, inbound: Inbound) -> None:
    """A message a died turn left in the inbox is read back field for field."""
    claim = await store.ingest(inbound)
    assert isinstance(claim, Claim)
    await store.release(claim.customer_id, claim.token)
    again = await store.ingest(inbound.model_copy(update={"message_id": "later"}))
    assert isinstance(again, Claim)
    assert again.inbound is not inbound and again.inbound == inbound


@pytest.mark.skipif(CLUSTER, reason="counts one server's commands")
async def test_turns_that_meet_a_restarted_servers_empty_script_cache_load_it_once(
    store: Store, redis: Redis,
) -> None:
    await redis.script_flush()  # as after a restart: the scripts are gone
    await redis.config_resetstat()
    customers = [Identity(channel="webchat", user_id=f"c{n}") for n in range(50)]
    outcomes = await asyncio.gather(*(store.ingest(message(1, c)) for c in customers))
    assert all(isinstance(o, Claim) for o in outcomes)
    stats = await redis.info("commandstats")
    # One load per script the turns used (identity lookup-or-create, ingest), not 50.
    assert stats["cmdstat_script|load"]["calls"] == 2
