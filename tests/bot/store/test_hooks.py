"""The event outbox in the commit: events are written by the turn's own commit script,
or not at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.errors import StaleWrite
from bot.messages import Identity, Inbound
from bot.model import Event
from bot.privacy import CustomerRecords
from bot.store.hooks import Pending
from bot.store.results import Claim
from bot.store.store import Store
from bot.webhooks.events import BusinessEvent, BusinessEvents

ANA = Identity(channel="telegram", account="bot", user_id="100")


async def claimed(store: Store, n: int) -> Claim:
    outcome = await store.ingest(Inbound(identity=ANA, message_id=str(n), text="hi"))
    assert isinstance(outcome, Claim)
    return outcome


async def stream(redis: Redis, store: Store, customer_id: str) -> list[str]:
    entries: Any = await redis.xrange(store.keys.customer(customer_id).hooks)
    return [entry[1][b"e"].decode() for entry in entries]


async def test_the_events_of_a_refused_commit_are_not_written(redis: Redis) -> None:
    store = Store(redis, lease_seconds=5)
    outbox = store.enable_events(subscriptions=["crm", "erp"], lease_seconds=5,
                                 source=BusinessEvents())
    claim = await claimed(store, 1)
    stale = Claim(claim.customer_id, claim.token, claim.version + 1, claim.session,
                  claim.profile, claim.item, claim.saved_session, claim.saved_profile)
    history = [Event(kind="inbound", text="hi", data={"message_id": "1"})]
    with pytest.raises(StaleWrite):
        await store.commit(stale, session=claim.session, profile=None, events=history,
                           outbox=[])
    assert await stream(redis, store, claim.customer_id) == []
    assert await outbox.claim_due(10) == []

    await store.commit(claim, session=claim.session, profile=None, events=history,
                       outbox=[])
    written = await stream(redis, store, claim.customer_id)
    assert ['"customer.created"' in written[0], '"message.received"' in written[1]] == [
        True, True]
    assert sorted(await outbox.claim_due(10)) == [("crm", claim.customer_id),
                                                 ("erp", claim.customer_id)]
    assert await outbox.claim_due(10) == []  # claimed: leased to the first caller


async def test_without_subscriptions_a_commit_writes_no_event(store: Store,
                                                              redis: Redis) -> None:
    claim = await claimed(store, 1)
    await store.commit(claim, session=claim.session, profile=None,
                       events=[Event(kind="inbound", text="hi")], outbox=[])
    assert await stream(redis, store, claim.customer_id) == []


async def test_an_erasure_removes_pending_events_and_their_due_marks(redis: Redis) -> None:
    store = Store(redis, lease_seconds=5)
    store.enable_events(subscriptions=["crm"], lease_seconds=5, source=BusinessEvents())
    claim = await claimed(store, 1)
    await store.commit(claim, session=claim.session, profile=None,
                       events=[Event(kind="inbound", text="hi")], outbox=[])
    await CustomerRecords(store, links=None, connectors={}, operators=[]).erase(
        claim.customer_id, actor="test")
    assert await stream(redis, store, claim.customer_id) == []
    assert await redis.zrange(store.keys.hooks_due, 0, -1) == []


async def test_a_merge_writes_customer_merged_in_the_merge_itself(redis: Redis) -> None:
    store = Store(redis, lease_seconds=5)
    outbox = store.enable_events(subscriptions=["crm"], lease_seconds=5,
                                 source=BusinessEvents())
    source = await store.resolve(ANA)
    target = await store.resolve(Identity(channel="whatsapp", account="pn", user_id="34600"))
    await store.merge(source, target, address=ANA)
    [merged] = await stream(redis, store, target)
    assert json.loads(merged)["type"] == "customer.merged"
    assert json.loads(merged)["data"]["source"] == source
    assert await outbox.claim_due(10) == [("crm", target)]


async def test_replaying_a_dead_letter_leaves_a_claimed_customer_to_its_worker(
    redis: Redis,
) -> None:
    """A replay rings the pair only if nobody holds it: ringing a claimed pair made it due
    at once, so a second worker took it while the first still delivered (twice, out of
    order). Its worker reads on to the replayed event instead."""
    store = Store(redis, lease_seconds=5)
    outbox = store.enable_events(subscriptions=["crm"], lease_seconds=5,
                                 source=BusinessEvents())
    body = BusinessEvent("message.received", "c1", {"text": "hi"}).to_json()
    await outbox.publish("c1", body)
    assert await outbox.claim_due(10) == [("crm", "c1")]
    [entry] = await outbox.next_run("crm", "c1")
    event_id = json.loads(body)["id"]
    await outbox.bury("crm", "c1", [entry], event_ids=[event_id], error="HTTP 500",
                      attempts=3)
    assert await outbox.replay_event("c1", "crm", event_id)
    assert await outbox.claim_due(10) == []  # still the first worker's
    [replayed] = await outbox.next_run("crm", "c1", past=entry.entry_id)
    assert (replayed.body, replayed.only) == (body, "crm")


async def test_a_letter_buried_while_the_listing_drops_an_empty_customer_stays_listed(
    redis: Redis, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The listing takes a customer whose letters were all replayed off the dead-letter
    index. Had a new letter been buried between its read of the (empty) letters and that
    removal, the letter was stored but listed nowhere until another died."""
    store = Store(redis, lease_seconds=5)
    outbox = store.enable_events(subscriptions=["crm"], lease_seconds=5,
                                 source=BusinessEvents())

    async def dies(entry_id: str) -> str:
        body = BusinessEvent("message.received", "c1", {"text": entry_id}).to_json()
        event_id = json.loads(body)["id"]
        await outbox.bury("crm", "c1", [Pending(entry_id, body, None)], event_ids=[event_id],
                          error="HTTP 500", attempts=3)
        return event_id

    assert await outbox.replay_event("c1", "crm", await dies("1-0"))
    read, buried = redis.hgetall, []

    async def read_then_another_dies(key: str) -> object:  # a worker buries one just then
        letters = await read(key)
        if not buried:
            buried.append(await dies("2-0"))
        return letters

    monkeypatch.setattr(redis, "hgetall", read_then_another_dies)
    listed = await outbox.dead_letters()
    monkeypatch.undo()
    assert [letter.event_id for letter in listed] in ([], buried)
    assert [letter.event_id for letter in await outbox.dead_letters()] == buried
