"""The compact history layout (``bot/store/history_codec.py``): what it leaves off, that
every event reads back as it was, and that a history written by an earlier version (JSON
objects) is still read, alone and mixed with new events."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from bot.history import inbound_event, outbound_event
from bot.messages import Identity, Inbound, Text
from bot.model import Event
from bot.store.history_codec import CODES, dump_event, load_event
from bot.store.store import Store

ANA = Identity(channel="webchat", user_id="ana")
AT = 1796152499.022


def test_defaults_are_left_off_and_the_channel_comes_from_the_identity() -> None:
    event = inbound_event(Inbound(identity=ANA, message_id="m1", text="hi", timestamp=AT))
    assert json.loads(dump_event(event)) == ["i", 1796152499022, "hi", ANA.key,
                                             {"message_id": "m1"}]
    bare = Event(kind="note", at=AT)
    assert dump_event(bare) == b'["n",1796152499022]'


@pytest.mark.parametrize("event", [
    Event(kind="inbound", at=AT, channel="webchat", identity=ANA.key, text="hi",
          data={"message_id": "m1"}),
    Event(kind="outbound", at=AT, channel=None, identity=None, text="yes", data={}),
    # a channel of its own, without an identity (a flow's event), or another than the
    # identity's (the channel is written only when it says more than the identity)
    Event(kind="flow", at=AT, channel="webchat", text="form started",
          data={"flow": "form", "state": "started"}),
    Event(kind="handoff", at=AT, channel="telegram", identity=ANA.key),
    Event(kind="error", at=AT, channel=None, identity=ANA.key, text=None, data={"x": [1]}),
    Event(kind="note", at=AT, text="", data={}),
    Event(kind="campaign_sent", at=AT, text="a kind this version has no letter for"),  # type: ignore[arg-type]
])
def test_every_event_reads_back_as_it_was(event: Event) -> None:
    assert load_event(dump_event(event)) == event


def test_letters_are_one_per_kind() -> None:
    assert len(set(CODES.values())) == len(CODES)
    assert all(len(code) == 1 for code in CODES.values())


def test_the_compact_event_is_about_half_the_object() -> None:
    reply = outbound_event(Text(text="What's your name?"), ANA)
    old = json.dumps({"kind": reply.kind, "at": reply.at, "channel": reply.channel,
                      "identity": reply.identity, "text": reply.text, "data": reply.data},
                     separators=(",", ":"))
    assert len(dump_event(reply)) < 0.6 * len(old)


#: Events as an earlier version stored them (``EVENTS.dump_json``): JSON objects, every
#: field written out.
OLD_LAYOUT = [
    b'{"kind":"inbound","at":1796152499.0224652,"channel":"webchat",'
    b'"identity":"webchat:default:ana","text":"/start","data":{"message_id":"m1"}}',
    b'{"kind":"flow","at":1796152499.0363467,"channel":"webchat","identity":null,'
    b'"text":"form started","data":{"flow":"form","state":"started"}}',
    b'{"kind":"outbound","at":1796152499.036486,"channel":"webchat",'
    b'"identity":"webchat:default:ana","text":"What\'s your name?","data":{"kind":"text"}}',
]


async def test_a_history_stored_by_the_previous_version_is_still_read(
    store: Store, redis: Redis,
) -> None:
    customer = await store.resolve(ANA)
    ck = store.keys.customer(customer)
    await redis.rpush(ck.events, *OLD_LAYOUT)
    new = Event(kind="inbound", at=1796152500.5, channel="webchat", identity=ANA.key,
                text="Ana", data={"message_id": "m2"})
    await store.append_events(customer, [new])  # a new event after the old ones
    history = await store.history(customer)
    assert history[:3] == [
        Event(kind="inbound", at=1796152499.0224652, channel="webchat", identity=ANA.key,
              text="/start", data={"message_id": "m1"}),
        Event(kind="flow", at=1796152499.0363467, channel="webchat", identity=None,
              text="form started", data={"flow": "form", "state": "started"}),
        Event(kind="outbound", at=1796152499.036486, channel="webchat", identity=ANA.key,
              text="What's your name?", data={"kind": "text"}),
    ]
    assert history[3] == new
    stored = await redis.lrange(ck.events, 0, -1)
    assert stored[:3] == OLD_LAYOUT and stored[3][:5] == b"[\"i\","  # as stored
    [overview] = await store.overviews([customer], events=2)
    assert overview is not None and overview[2] == history[2:]
