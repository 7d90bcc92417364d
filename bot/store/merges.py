"""Merging two customers in the store: the source customer joins the target.

The two customers live in different hash slots, so this is not one atomic script. It runs
with both leases held (no turn can run for either meanwhile) and in an order that never
loses data if interrupted: the target is written first (merged session, profile, history,
identities, dedupe marks), then the identity keys are pointed at the target, then the
source's identity set is emptied (so any process recording for a source identity is told
"moved" and follows it to the target) and its waiting messages are moved over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.history import outbound_event
from bot.messages import Identity, Outbound
from bot.model import DELIVERIES, Delivery, Event, Profile, Session
from bot.store.history_codec import dump_event
from bot.store.keys import SessionFields
from bot.store.merging import merge_histories, merge_profiles, merge_sessions

if TYPE_CHECKING:
    from bot.store.store import Store

#: Given the merged session and profile, what to say to the customer (committed with it).
Greeting = Callable[[Session, Profile], list[Outbound]]


@dataclass(frozen=True, slots=True)
class Merged:
    session: Session
    profile: Profile
    deliveries: list[Delivery]
    #: Messages that were waiting for the source and now wait for the target.
    moved_waiting: int


async def merge_customers(
    store: Store,
    *,
    source: str,
    target: str,
    address: Identity,
    extra_events: Sequence[Event] = (),
    greet: Greeting | None = None,
    keep_source_head: bool = True,
) -> Merged:
    """Join ``source`` into ``target``; the customer is now at ``address``.

    The caller holds the source's lease (it is in the source's turn, whose message stays
    at the head of the source inbox when ``keep_source_head``); the target's lease is
    taken here. ``greet`` returns what to tell the customer, committed with the merge."""
    redis, keys = store.redis, store.keys
    src, dst = keys.customer(source), keys.customer(target)
    token = await store.acquire(target)
    try:
        source_session, source_profile = await store.load(source)
        target_session, target_profile = await store.load(target)
        source_events = await store.history(source, limit=store.history_limit)
        target_events = await store.history(target, limit=store.history_limit)
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(src.identities)
            pipe.hgetall(src.last_inbound)
            pipe.hgetall(src.unreachable)
            pipe.zrange(src.seen, 0, -1, withscores=True)
            pipe.lrange(src.inbox, 1 if keep_source_head else 0, -1)
            identities, last_inbound, unreachable, seen, waiting = await pipe.execute()

        session = merge_sessions(target_session, source_session)
        profile = merge_profiles(target_profile, source_profile)
        session.address = address
        session.pending_link = None
        if address.key not in session.greeted_on:
            session.greeted_on.append(address.key)
        version = target_session.version + 1
        replies = greet(session, profile) if greet is not None else []
        deliveries = [Delivery(id=f"{version:012d}.{i:03d}", customer_id=target, to=address,
                               message=reply) for i, reply in enumerate(replies)]
        events = merge_histories(target_events, source_events, store.history_limit)
        events.extend(extra_events)
        events.extend(outbound_event(r, address) for r in replies)
        events = events[-store.history_limit:]

        async with redis.pipeline(transaction=True) as pipe:  # one slot: the target's
            pipe.hset(dst.session, mapping=SessionFields.mapping(
                version, session.model_dump_json(), profile.model_dump_json(), session.mode))
            pipe.delete(dst.events)
            if events:
                pipe.rpush(dst.events, *map(dump_event, events))
            if identities:
                pipe.hset(dst.identities, mapping=identities)
            if last_inbound:
                pipe.hset(dst.last_inbound, mapping=last_inbound)
            if unreachable:
                pipe.hset(dst.unreachable, mapping=unreachable)
            if seen:
                pipe.zadd(dst.seen, {member: score for member, score in seen})
            if waiting:
                pipe.rpush(dst.inbox, *waiting)
            for delivery in deliveries:
                pipe.hset(dst.outbox, delivery.id, DELIVERIES.dump_json(delivery))
            if store.events is not None and store.events.source is not None:
                # The merge's event, in the merge's own step.
                pipe.xadd(dst.hooks, {"e": store.events.source.of_merge(source, target,
                                                                         profile)})
            await pipe.execute()
        if store.events is not None:
            await store.events.ring(target)

        async with redis.pipeline(transaction=False) as pipe:  # several slots
            for identity_key in identities:
                name = identity_key.decode() if isinstance(identity_key, bytes) else identity_key
                pipe.set(keys.identity(name), target)
            await pipe.execute()
        for identity_key in identities:
            name = identity_key.decode() if isinstance(identity_key, bytes) else identity_key
            store.forget_identity(name)

        async with redis.pipeline(transaction=True) as pipe:  # the source's slot
            pipe.delete(src.identities, src.events, src.seen)
            if keep_source_head:
                pipe.ltrim(src.inbox, 0, 0)
            else:
                pipe.delete(src.inbox)
            await pipe.execute()
        session.version = version
        return Merged(session, profile, deliveries, len(waiting))
    finally:
        await store.release(target, token)
