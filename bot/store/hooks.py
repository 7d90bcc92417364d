"""The event outbox: business events committed with their turn, per customer, and the
claims that let one worker at a time deliver a customer's events to one subscription, in
order, across processes.

A turn's events are appended to the customer's stream (``{c:<id>}:hooks``) by the commit
script itself, so there is no event without its turn and no turn without its events. Each
subscription keeps its own position in the stream (``hookpos``), so a dead endpoint holds
back only its own deliveries. What is due is a sorted set of ``<subscription>|<customer>``
pairs scored by time; a worker claims a pair by pushing its score a lease ahead
(``lua/hook_claim.lua``), the way the reply outbox claims a send (``outbox.py``) and the
work stream's pending entries outlive a dead worker (``work.py``): a claim left alone past
its lease comes due again for any worker. On one server the commit adds the pairs in its
script; on a cluster the set lives in another slot, so they are added right after the
commit (and a start-up scan of the streams finds any a crash left out).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis

from bot.model import Event, Profile
from bot.store.batching import CommandBatcher
from bot.store.boundary import boundary, translated, translates
from bot.store.keys import Keys
from bot.store.scripts import Script, now_ms

#: Stream entries read per claim: a claim delivers at most this many before it settles.
_BATCH = 50


class EventSource(Protocol):
    """What makes the business events the store writes, as request bodies: the store knows
    when (a commit, a merge), ``bot/webhooks/events.py`` knows what."""

    def of_turn(self, customer_id: str, *, created: bool, profile: Profile | None,
                history: Sequence[Event]) -> list[bytes]:
        """The events of one turn: ``created`` on the customer's first, ``profile`` when
        the turn changed it (else None), ``history`` what it added to the history."""

    def of_merge(self, source: str, target: str, profile: Profile) -> bytes:
        """The event of ``source`` joining ``target``, whose merged profile is ``profile``."""


@dataclass(frozen=True, slots=True)
class Pending:
    """One stream entry waiting for a subscription. ``only``: a replayed dead letter,
    meant for that subscription alone."""

    entry_id: str
    body: bytes
    only: str | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    customer_id: str
    subscription: str
    event_id: str
    body: bytes
    error: str
    attempts: int
    died_at_ms: int


@boundary
class EventOutbox:
    """The store's side of event webhooks: what the commit writes, what workers claim."""

    def __init__(self, redis: Redis, batcher: CommandBatcher, keys: Keys, *,
                 subscriptions: Sequence[str], lease_ms: int,
                 source: EventSource | None = None) -> None:
        if any("|" in name for name in subscriptions):
            raise ValueError("subscription names may not contain '|'")
        self.redis = redis
        self.batcher = batcher
        self.keys = keys
        self.subscriptions = tuple(subscriptions)
        self.lease_ms = lease_ms
        #: Makes the events (None: a worker's outbox, which only delivers).
        self.source = source
        self._claim = Script(redis, batcher, "hook_claim", "claim due events")
        self._replay = Script(redis, batcher, "hook_replay", "replay a dead letter")
        self._next = Script(redis, batcher, "hook_next", "read a customer's next events")

    # -- the commit's part ----------------------------------------------------------------

    def commit_parts(self, customer_id: str, bodies: Sequence[bytes]) -> tuple[list[str],
                                                                              list[Any]]:
        """The keys and arguments the commit script appends for ``bodies``: the stream,
        and on one server the due set with the pairs to add (the script adds them NX: a
        pair already due or claimed keeps its time, its worker reads on to the new ones)."""
        keys = [self.keys.customer(customer_id).hooks]
        args: list[Any] = [len(bodies), *bodies]
        if not self.batcher.cluster:
            keys.append(self.keys.hooks_due)
            args.append(len(self.subscriptions))
            args.extend(f"{name}|{customer_id}" for name in self.subscriptions)
        return keys, args

    async def ring(self, customer_id: str, *, at_ms: int | None = None) -> None:
        """Mark the customer's events due for every subscription (after a commit on a
        cluster, and by recovery): NX, so a claimed pair keeps its lease."""
        now = now_ms() if at_ms is None else at_ms
        await self.redis.zadd(self.keys.hooks_due, {
            f"{name}|{customer_id}": now for name in self.subscriptions}, nx=True)

    async def publish(self, owner: str, body: bytes) -> None:
        """An event that no customer's turn makes (a campaign finished): appended to the
        stream of ``owner`` (``campaign-<id>``) and marked due, delivered like the rest."""
        await self.redis.xadd(self.keys.customer(owner).hooks, {"e": body})
        await self.ring(owner)

    async def recover(self) -> int:
        """Mark due every customer that still has a stream (a crash between a cluster
        commit and its ring). Returns how many."""
        found = 0
        async for key in self.redis.scan_iter(match=self.keys.hooks_pattern, count=500):
            await self.ring(self.keys.customer_id_of(key.decode() if isinstance(key, bytes)
                                                     else key))
            found += 1
        return found

    # -- the worker's part ----------------------------------------------------------------

    @translates
    async def claim_due(self, count: int) -> list[tuple[str, str]]:
        """Claim up to ``count`` due (subscription, customer) pairs for one lease."""
        members = await self._claim(keys=[self.keys.hooks_due],
                                    args=[now_ms(), self.lease_ms, count])
        pairs = []
        for member in members:
            name, _, customer_id = _s(member).partition("|")
            pairs.append((name, customer_id))
        return pairs

    @translates
    async def extend(self, subscription: str, customer_id: str) -> None:
        """Keep a claim while a long delivery is in flight."""
        with translated("extend an event claim"):
            await self.batcher.execute("ZADD", self.keys.hooks_due, "XX",
                                       now_ms() + self.lease_ms, f"{subscription}|{customer_id}")

    @translates
    async def next_run(self, subscription: str, customer_id: str, *,
                       past: str | None = None) -> list[Pending]:
        """A claim's next entries for ``subscription``, oldest first, after moving its
        position to ``past`` (the last entry the claim got past; None: none yet). Entries
        returned: the claim is kept a lease longer from now. None: it is let go, and what
        every subscription has passed is trimmed.

        One script call through the batcher per run of a customer's events, where a claim
        used to cost a position read, a range read and a position write per event, a lease
        extension per event, and four calls to let go."""
        ck = self.keys.customer(customer_id)
        member = f"{subscription}|{customer_id}"
        names = list(self.subscriptions) if subscription in self.subscriptions else []
        args = [subscription, past or "", _BATCH, member, now_ms() + self.lease_ms]
        if not self.batcher.cluster:
            return _pending(await self._next(keys=[ck.hooks, ck.hook_positions,
                                                   self.keys.hooks_due],
                                             args=[*args, "1", *names]))
        # The due set is in another slot: the pair leaves it before the stream is read
        # again, so a commit in between rings it back (NX finds it gone) or is read here.
        keys = [ck.hooks, ck.hook_positions]
        entries = await self._next(keys=keys, args=[*args, "0"])
        if entries:
            await self.extend(subscription, customer_id)
            return _pending(entries)
        with translated("let go of an event claim"):
            await self.batcher.execute("ZREM", self.keys.hooks_due, member)
        if await self._next(keys=keys, args=[subscription, "", 1, member, 0, "1", *names]):
            with translated("ring a customer's events"):
                await self.batcher.execute("ZADD", self.keys.hooks_due, now_ms(), member)
        return []

    async def let_go(self, subscription: str, customer_id: str) -> None:
        """Drop a claim without delivering (its subscription is no longer configured)."""
        await self.redis.zrem(self.keys.hooks_due, f"{subscription}|{customer_id}")

    async def attempts(self, subscription: str, customer_id: str) -> tuple[int, int | None]:
        """Failed attempts at the subscription's next entry, and when the first failed."""
        attempts, first = await self.redis.hmget(
            self.keys.customer(customer_id).hook_positions,
            [f"{subscription}:a", f"{subscription}:f"])
        return int(attempts or 0), int(first) if first else None

    async def failed(self, subscription: str, customer_id: str, *, retry_at_ms: int,
                     past: str | None = None) -> None:
        """A delivery failed: move the position to ``past`` (what the claim delivered
        before it, if anything), count the failure, and come due again at ``retry_at_ms``."""
        ck = self.keys.customer(customer_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            if past is not None:
                pipe.hset(ck.hook_positions, subscription, past)
                pipe.hdel(ck.hook_positions, f"{subscription}:a", f"{subscription}:f")
            pipe.hincrby(ck.hook_positions, f"{subscription}:a", 1)
            pipe.hsetnx(ck.hook_positions, f"{subscription}:f", now_ms())
            await pipe.execute()
        await self.redis.zadd(self.keys.hooks_due,
                              {f"{subscription}|{customer_id}": retry_at_ms}, xx=True)

    async def bury(self, subscription: str, customer_id: str, entries: Sequence[Pending], *,
                   event_ids: Sequence[str], error: str, attempts: int) -> None:
        """Give up on ``entries`` (one request's): each becomes a dead letter and the
        subscription moves past them (the customer's next event no longer waits)."""
        ck = self.keys.customer(customer_id)
        now = now_ms()
        async with self.redis.pipeline(transaction=True) as pipe:
            for entry, event_id in zip(entries, event_ids, strict=True):
                letter = json.dumps({"body": entry.body.decode(), "error": error,
                                     "attempts": attempts, "at": now})
                pipe.hset(ck.hook_dead, f"{subscription}|{event_id}", letter)
            pipe.hset(ck.hook_positions, subscription, entries[-1].entry_id)
            pipe.hdel(ck.hook_positions, f"{subscription}:a", f"{subscription}:f")
            await pipe.execute()
        await self.redis.zadd(self.keys.hooks_dead, {customer_id: now})

    async def forget(self, customer_id: str) -> None:
        """Drop the customer from the shared sets (an erasure: their streams and dead
        letters go with the keys under their hash tag)."""
        await self.redis.zrem(self.keys.hooks_due,
                              *[f"{name}|{customer_id}" for name in self.subscriptions])
        await self.redis.zrem(self.keys.hooks_dead, customer_id)

    # -- dead letters ---------------------------------------------------------------------

    async def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]:
        """Dead letters, the customers with the latest first, at most ``limit``."""
        letters: list[DeadLetter] = []
        customers = await self.redis.zrevrange(self.keys.hooks_dead, 0, limit - 1)
        for raw_customer in customers:
            customer_id = _s(raw_customer)
            stored = await self.redis.hgetall(self.keys.customer(customer_id).hook_dead)
            if not stored:  # replayed or erased meanwhile
                stored = await self._unlist(customer_id)
            for field_name, raw in stored.items():
                subscription, _, event_id = _s(field_name).partition("|")
                letter = json.loads(raw)
                letters.append(DeadLetter(customer_id, subscription, event_id,
                                          letter["body"].encode(), letter["error"],
                                          int(letter["attempts"]), int(letter["at"])))
        letters.sort(key=lambda d: d.died_at_ms)
        return letters[:limit]

    async def _unlist(self, customer_id: str) -> dict[Any, Any]:
        """Take a customer with no dead letters off the index; the letters buried
        meanwhile, listed again. A burial writes the letter, then the index; this removes
        from the index, then reads the letters: whatever the order of the four, a letter
        is never stored and unlisted (the two keys are in different slots: no script)."""
        await self.redis.zrem(self.keys.hooks_dead, customer_id)
        stored = await self.redis.hgetall(self.keys.customer(customer_id).hook_dead)
        if stored:
            died = max(int(json.loads(raw)["at"]) for raw in stored.values())
            await self.redis.zadd(self.keys.hooks_dead, {customer_id: died}, nx=True)
        return stored

    async def replay(self, letter: DeadLetter) -> bool:
        """Deliver a dead letter again, to its subscription only, after what the customer
        has waiting there. False when it was replayed (or erased) already."""
        return await self.replay_event(letter.customer_id, letter.subscription,
                                       letter.event_id)

    @translates
    async def replay_event(self, customer_id: str, subscription: str, event_id: str) -> bool:
        """``replay`` by the letter's coordinates (what an API call names)."""
        ck = self.keys.customer(customer_id)
        replayed = await self._replay(keys=[ck.hook_dead, ck.hooks], args=[
            f"{subscription}|{event_id}", subscription])
        if not replayed:
            return False
        with translated("replay a dead letter"):  # NX: a claimed pair keeps its lease,
            await self.redis.zadd(self.keys.hooks_due, {  # its worker reads on to this
                f"{subscription}|{customer_id}": now_ms()}, nx=True)
        return True

    async def replay_subscription(self, subscription: str, *, limit: int = 10_000) -> int:
        """Replay every dead letter of ``subscription`` (at most ``limit``), each
        customer's in the order they died; how many were replayed. Each letter is taken
        by the replay script itself, so two supervisors replaying at once send none twice."""
        replayed = 0
        async for raw_customer, _ in self.redis.zscan_iter(self.keys.hooks_dead, count=200):
            customer_id = _s(raw_customer)
            stored = await self.redis.hgetall(self.keys.customer(customer_id).hook_dead)
            mine = sorted((json.loads(raw)["at"], _s(name).partition("|")[2])
                          for name, raw in stored.items()
                          if _s(name).partition("|")[0] == subscription)
            for _, event_id in mine[:limit - replayed]:
                replayed += await self.replay_event(customer_id, subscription, event_id)
            if replayed >= limit:
                break
        return replayed


def _pending(entries: Any) -> list[Pending]:
    """Stream entries as a script returns them (``[id, [field, value, ...]]``)."""
    found = []
    for entry_id, flat in entries:
        fields = dict(zip(flat[::2], flat[1::2], strict=True))
        only = fields.get(b"only")
        found.append(Pending(_s(entry_id), fields.get(b"e", b""),
                             _s(only) if only else None))
    return found


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
