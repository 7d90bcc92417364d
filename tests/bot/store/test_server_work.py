"""How many commands the server runs for one message (inside the scripts too), and that
the commands saved (issue 22) kept each script's answers: a budget, so a change that adds
work to the hot path is a decision, not an accident (``bench/README.md`` says why each of
the remaining commands is needed)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.messages import Identity, Inbound, Text
from bot.model import Delivery, Event
from bot.store.results import Claim, Recorded
from bot.store.store import Store
from tests.servers import CLUSTER

ANA = Identity(channel="webchat", user_id="ana")

#: A ``Store.prune_every`` under which no message of a test prunes (``now % NEVER == 0``).
NEVER = 10**15

#: Commands the test itself sends to read or reset the counters.
OWN = {"info", "config|resetstat"}


async def commands_run(redis: Redis) -> dict[str, int]:
    stats = await redis.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"])
            for name, value in stats.items()
            if isinstance(value, dict) and name.removeprefix("cmdstat_") not in OWN}


async def one_message(store: Store, claim: Claim, n: int) -> None:
    """A turn as the pipeline makes it: the message and its reply in the history, the
    reply in the outbox (claimed with the commit), then its acknowledgement: carried by
    the customer's next script call (``bot/store/acks.py``), as the dispatcher does with
    a commit's one reply."""
    reply = Delivery(id=f"{claim.version + 1:012d}.000", customer_id=claim.customer_id,
                     to=ANA, message=Text(text=f"reply {n}"))
    committed = await store.commit(
        claim, session=claim.session, profile=None, outbox=[reply],
        events=[Event(kind="inbound", text=claim.inbound.text), Event(kind="reply")])
    assert committed.next is None and isinstance(committed.send, Delivery)
    assert store.outbox.sent_later(claim.customer_id, reply.id)


@pytest.mark.skipif(CLUSTER, reason="counts one server's commands")
async def test_a_known_customers_message_costs_18_commands(store: Store,
                                                          redis: Redis) -> None:
    store.prune_every = NEVER  # the dedupe set's pruning, on one message in 8: below
    store.outbox.acks.delay = 60  # acknowledged by the next message only, not by time
    first = await store.ingest(Inbound(identity=ANA, message_id="m0", text="hello"))
    assert isinstance(first, Claim)
    await one_message(store, first, 0)
    await redis.config_resetstat()
    claim = await store.ingest(Inbound(identity=ANA, message_id="m1", text="again"))
    assert isinstance(claim, Claim) and claim.inbound.text == "again"
    await one_message(store, claim, 1)
    calls = await commands_run(redis)
    # record: EVALSHA, HDEL (the reply before and its claim: sent), HEXISTS, ZADD NX
    #         (dedupe), HSET, RPUSH, SET NX, HMGET
    # commit: EVALSHA, GET, HGET, HSET, LPOP, RPUSH, HKEYS, HSET (the reply and its claim),
    #         LINDEX, DEL
    # The "sent" script (EVALSHA, HDEL, HKEYS) is no more: its HDEL rides on the record.
    assert calls == {"evalsha": 2, "hexists": 1, "zadd": 1, "hset": 3,
                     "rpush": 2, "set": 1, "hmget": 1, "get": 1, "hget": 1, "lpop": 1,
                     "hkeys": 1, "lindex": 1, "del": 1, "hdel": 1}, calls
    assert sum(calls.values()) == 18
    ck = store.keys.customer(claim.customer_id)
    assert set(await redis.hkeys(ck.outbox)) == {b"000000000002.000", b"~000000000002.000"}
    # The dedupe answer without its own look-up: a redelivery is still a duplicate.
    again = await store.ingest(Inbound(identity=ANA, message_id="m1", text="again"))
    assert again == Recorded(claim.customer_id, "duplicate")


async def test_a_message_behind_another_is_read_back_from_the_inbox(store: Store) -> None:
    """The head is taken from the arguments only when the message is alone in the inbox."""
    claim = await store.ingest(Inbound(identity=ANA, message_id="a", text="first"))
    assert isinstance(claim, Claim)
    assert await store.ingest(Inbound(identity=ANA, message_id="b", text="second")) == \
        Recorded(claim.customer_id, "queued")
    committed = await store.commit(claim, session=claim.session, profile=None, events=[],
                                   outbox=[])
    assert committed.next is not None and committed.next.inbound.text == "second"


async def test_a_full_history_is_trimmed_in_steps_and_read_to_its_cap(redis: Redis) -> None:
    """At its cap the history may run a sixteenth over before one trim brings it back: the
    newest ``history_limit`` events are what a reader gets either way."""
    store = Store(redis, history_limit=32)  # a slack of 2 events
    claim = await store.ingest(Inbound(identity=ANA, message_id="h0", text="x"))
    assert isinstance(claim, Claim)
    events = [Event(kind="note", text=str(i)) for i in range(34)]
    committed = await store.commit(claim, session=claim.session, profile=None,
                                   events=events, outbox=[])
    assert committed.next is None
    ck = store.keys.customer(claim.customer_id)
    assert await redis.llen(ck.events) == 34  # within the slack: no trim this turn
    assert [e.text for e in await store.history(claim.customer_id, limit=32)] == [
        str(i) for i in range(2, 34)]
    claim = await store.ingest(Inbound(identity=ANA, message_id="h1", text="x"))
    assert isinstance(claim, Claim)
    await store.commit(claim, session=claim.session, profile=None,
                       events=[Event(kind="note", text="34")], outbox=[])
    assert await redis.llen(ck.events) == 32  # past it: back to the cap in one trim
    assert [e.text for e in await store.history(claim.customer_id, limit=32)] == [
        str(i) for i in range(3, 35)]


@pytest.mark.skipif(CLUSTER, reason="counts one server's commands")
async def test_the_dedupe_set_is_pruned_on_one_message_in_a_few(store: Store,
                                                                redis: Redis) -> None:
    """Ids past ``store.dedupe_hours`` stay until a message that prunes: each pruning takes
    all of them, and the messages between save the command."""
    first = await store.ingest(Inbound(identity=ANA, message_id="p0", text="hello"))
    assert isinstance(first, Claim)
    await one_message(store, first, 0)
    seen = store.keys.customer(first.customer_id).seen
    await redis.zadd(seen, {"webchat:default:long-ago": 1, "webchat:default:older": 2})
    store.prune_every = NEVER
    await redis.config_resetstat()
    claim = await store.ingest(Inbound(identity=ANA, message_id="p1", text="again"))
    assert isinstance(claim, Claim)
    await one_message(store, claim, 1)
    assert "zremrangebyscore" not in await commands_run(redis)
    assert await redis.zcard(seen) == 4
    store.prune_every = 1  # every message prunes
    claim = await store.ingest(Inbound(identity=ANA, message_id="p2", text="once more"))
    assert isinstance(claim, Claim)
    await one_message(store, claim, 2)
    assert (await commands_run(redis))["zremrangebyscore"] == 1
    assert await redis.zrange(seen, 0, -1) == [b"webchat:default:p0", b"webchat:default:p1",
                                               b"webchat:default:p2"]
    assert Store(redis).prune_every == 8


async def bytes_to_the_store(redis: Redis) -> int:
    """What the server has written to the store's own connection (the batcher's: the one
    without redis-py's library name), from Valkey's per-client counter."""
    listing = (await redis.execute_command("CLIENT", "LIST")).decode()
    fields = [dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
              for line in listing.splitlines()]
    return sum(int(c["tot-net-out"]) for c in fields if not c.get("lib-name"))


@pytest.mark.skipif(CLUSTER, reason="reads one server's client counters")
async def test_the_answers_carry_no_json_the_client_sent(store: Store, redis: Redis) -> None:
    """The claim of a message alone in the inbox answers without the message, and the
    commit's claim of its own reply without the reply: the client has both already
    (issue 22: about half the bytes read per message). Each long text, sent back, alone
    would take the answers past the bound."""
    store.outbox.acks.delay = 60
    first = await store.ingest(Inbound(identity=ANA, message_id="w0", text="hello"))
    assert isinstance(first, Claim)
    await one_message(store, first, 0)
    long_text = "x" * 2000
    before = await bytes_to_the_store(redis)
    claim = await store.ingest(Inbound(identity=ANA, message_id="w1", text=long_text))
    assert isinstance(claim, Claim) and claim.inbound.text == long_text
    reply = Delivery(id=f"{claim.version + 1:012d}.000", customer_id=claim.customer_id,
                     to=ANA, message=Text(text=long_text))
    committed = await store.commit(claim, session=claim.session, profile=None,
                                   events=[], outbox=[reply])
    assert committed.send is reply
    assert await bytes_to_the_store(redis) - before < 1000
    # Read back by anyone else (another process's claim or sender), both are whole.
    assert (await store.outbox.pending(claim.customer_id))[0].message == Text(text=long_text)
