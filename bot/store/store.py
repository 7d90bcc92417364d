"""The session store on Redis: record, claim, commit; identities; history (the outbox is
``outbox.py``).

The hot path is two round trips per message: ``ingest`` records the message (dedupe,
arrival order) and, when no turn runs for the customer, claims it and returns the
session in the same script; ``commit`` writes session, events and outbox atomically,
checked against the lease token and the session version, and hands back the next waiting
message so a busy customer costs one round trip per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import Any

from redis.asyncio import Redis

from bot.errors import StaleWrite, StoreError
from bot.messages import Identity, Inbound
from bot.model import (
    BusinessMessage,
    Delivery,
    Event,
    OperatorAction,
    Profile,
    Session,
)
from bot.store.analytics import AnalyticsCounters
from bot.store.batching import CommandBatcher
from bot.store.boundary import CLIENT_ERRORS, boundary, translates
from bot.store.client import connect
from bot.store.connector_state import RedisConnectorState
from bot.store.handoff import HandoffQueue
from bot.store.history_codec import dump_event, load_event
from bot.store.hooks import EventOutbox, EventSource
from bot.store.identities import IdentityCache
from bot.store.identity_store import IdentityStore
from bot.store.keys import Keys, SessionFields
from bot.store.links import LinkLimits, LinkStore
from bot.store.merges import Greeting, Merged, merge_customers
from bot.store.operators import LoginLimits, OperatorSessions
from bot.store.outbox import Outbox, dump_delivery
from bot.store.overviews import read_overviews
from bot.store.reminders import ReminderIndex
from bot.store.results import (
    RECORD_STATUSES,
    Claim,
    Committed,
    InboxItem,
    Recorded,
    parse_item,
    send_answer,
)
from bot.store.scripts import Script, now_ms
from bot.store.search import SearchIndex
from bot.store.secrets import store_secret
from bot.store.tokens import new_token
from bot.store.work import Doorbell, WorkStream

log = logging.getLogger(__name__)

_IDENTITY_CACHE_SIZE = 100_000
#: Customers whose last committed session this process keeps (see ``Store.keep``).
_KEPT_SESSIONS = 2_000


# The models' own serializers, called directly (``model_dump_json`` adds a Python layer and
# a decode to str); the profile's defaults left off (docs/storage.md: why, not the session's).
_dump_inbound = Inbound.__pydantic_serializer__.to_json
_dump_session = Session.__pydantic_serializer__.to_json
_dump_profile = partial(Profile.__pydantic_serializer__.to_json, exclude_defaults=True)


@boundary
class Store(IdentityStore):
    """Everything the runtime keeps in Redis. Construct with a connected client, or
    ``Store.connect(url)``; the stores of the features (handoff, linking, operators,
    analytics, connectors, the work stream) share its client (``handoff_queue()``, ...).
    Every public method raises ``StoreError`` when the store fails (``boundary.py``)."""

    def __init__(
        self,
        redis: Redis,
        *,
        keys: Keys | None = None,
        history_limit: int = 2000,
        lease_seconds: float = 30.0,
        dedupe_hours: float = 7 * 24,
        send_stale_seconds: float = 60.0,
    ) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.history_limit = history_limit
        self.lease_ms = int(lease_seconds * 1000)
        self.dedupe_ms = int(dedupe_hours * 3600 * 1000)
        #: The dedupe set is pruned on one message in this many (``lua/ingest.lua``).
        self.prune_every = 8
        self.batcher = CommandBatcher(redis)
        #: Replies waiting to be sent, and this process's claims on them.
        self.outbox = Outbox(redis, self.batcher, self.keys,
                             stale_ms=int(send_stale_seconds * 1000))
        script = partial(Script, redis, self.batcher)
        self._identity = script("identity", "resolve identity")
        self._ingest = script("ingest", "record in the inbox")
        self._claim = script("claim", "claim customer")
        self._commit = script("commit", "commit turn")
        self._extend = script("extend", "extend a lease")
        self._release = script("release", "release a lease")
        self._retire = script("retire", "retire an identity")
        #: Event webhooks' outbox (``enable_events``); None: no events are written.
        self.events: EventOutbox | None = None
        self._identities = IdentityCache(_IDENTITY_CACHE_SIZE)
        self._kept: OrderedDict[str, tuple[bytes, bytes, Session, Profile]] = OrderedDict()

    @classmethod
    def connect(cls, url: str, *, cluster: bool = False, max_connections: int = 64,
                timeout_seconds: float = 5.0, keys: Keys | None = None,
                **options: Any) -> Store:
        """A store on the server (or cluster) at ``url``; ``options`` as for the class."""
        return cls(connect(url, cluster=cluster, max_connections=max_connections,
                           timeout_seconds=timeout_seconds), keys=keys, **options)

    async def close(self) -> None:
        await self.outbox.acks.close()
        await self.batcher.close()
        await self.redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except CLIENT_ERRORS:
            return False

    # -- the features' stores, on this client ---------------------------------------------

    def work_stream(self) -> WorkStream:
        return WorkStream(self.redis, keys=self.keys)

    def enable_events(self, *, subscriptions: Sequence[str], lease_seconds: float,
                      source: EventSource) -> EventOutbox:
        """Write the events ``source`` makes with every commit from now on, for
        ``subscriptions`` (``bot.webhooks.events.BusinessEvents`` is the source)."""
        self.events = EventOutbox(self.redis, self.batcher, self.keys,
                                  subscriptions=subscriptions,
                                  lease_ms=int(lease_seconds * 1000), source=source)
        return self.events

    def handoff_queue(self, *, average_handling_minutes: float = 5) -> HandoffQueue:
        return HandoffQueue(self.redis, keys=self.keys,
                            average_handling_minutes=average_handling_minutes)

    def link_store(self, *, secret: bytes, code_ttl_seconds: int = 600,
                   limits: LinkLimits | None = None) -> LinkStore:
        """Link codes, their limits and the vouched-phone index, keyed by ``secret``."""
        return LinkStore(self.redis, keys=self.keys, secret=secret,
                         code_ttl_seconds=code_ttl_seconds, limits=limits or LinkLimits())

    async def secret(self, name: str) -> str:
        """A server secret kept in the store, generated by whichever process asks first
        (``bot/store/secrets.py`` says when a file next to the data is the better place)."""
        return await store_secret(self.redis, self.keys, name)

    def operator_sessions(self) -> OperatorSessions:
        return OperatorSessions(self.redis, keys=self.keys)

    def login_limits(self, *, per_pair: int, per_address: int,
                     window_seconds: int) -> LoginLimits:
        return LoginLimits(self.redis, keys=self.keys, per_pair=per_pair,
                           per_address=per_address, window_seconds=window_seconds)

    def analytics_counters(self, *, keep_days: int = 400) -> AnalyticsCounters:
        return AnalyticsCounters(self.redis, keys=self.keys, keep_days=keep_days)

    def reminder_index(self) -> ReminderIndex:
        return ReminderIndex(self.redis, self.batcher, self.keys)

    def search_index(self) -> SearchIndex:
        return SearchIndex(self.redis, self.batcher, keys=self.keys)

    def connector_state(self, connector: str) -> RedisConnectorState:
        return RedisConnectorState(self.redis, keys=self.keys, connector=connector)

    # -- the hot path ---------------------------------------------------------------------

    @translates
    async def enqueue_action(self, customer_id: str, action: OperatorAction, *,
                             doorbell: Doorbell | None = None) -> Claim | Recorded:
        """Queue an operator action in the customer's inbox, behind what the customer has
        said; like ``ingest``, returns a ``Claim`` when the caller must run the turn."""
        outcome = await self._record(customer_id, "", f"op:{action.id}",
                                     action.model_dump_json(), doorbell)
        if outcome is None:  # pragma: no cover - "moved" answers only an identity's message
            raise StoreError("the ingest script answered 'moved' for an operator action")
        return outcome

    @translates
    async def enqueue_business(self, customer_id: str, item: BusinessMessage, *,
                               doorbell: Doorbell | None = None) -> Claim | Recorded:
        """Queue a business message in the customer's inbox, once per ``item.id`` (the
        customer's dedupe marks: a second enqueue of the same id is a "duplicate" with
        no effect, for ``store.dedupe_hours``); like ``ingest``, returns a ``Claim`` when
        the caller must run the turn."""
        outcome = await self._record(customer_id, "", f"biz:{item.id}",
                                     item.model_dump_json(), doorbell)
        if outcome is None:  # pragma: no cover - "moved" answers only an identity's message
            raise StoreError("the ingest script answered 'moved' for a business message")
        return outcome

    @translates
    async def ingest(self, inbound: Inbound, *,
                     doorbell: Doorbell | None = None) -> Claim | Recorded:
        """Durably record one inbound message.

        Without a ``doorbell`` (this process runs turns), returns a ``Claim`` when the
        caller must now run the customer's turn(s), else a ``Recorded``: "queued" when a
        running turn will pick it up, "duplicate" when this platform message was recorded
        before. With a ``doorbell`` (a web process), never claims: the message is recorded
        and the doorbell rung before this returns, so a worker takes it.
        Raises ``StoreError`` when not recorded (or recorded but not rung).
        """
        identity_key = inbound.identity.key
        dedupe_id = f"{inbound.identity.channel}:{inbound.identity.account}:{inbound.message_id}"
        body = _dump_inbound(inbound)
        for _attempt in range(3):
            known = self._identities.known(identity_key)
            customer_id, fetched = ((known, False) if known is not None
                                    else await self._customer_of(identity_key,
                                                                 inbound.aliases))
            outcome = await self._record(customer_id, identity_key, dedupe_id, body,
                                         doorbell, link=fetched, item=inbound)
            if outcome is not None:
                return outcome
            self.forget_identity(identity_key)
        raise StoreError("the identity kept moving between customers while recording; retry")

    async def _record(self, customer_id: str, identity_key: str, dedupe_id: str,
                      item_json: bytes | str, doorbell: Doorbell | None, *,
                      link: bool = False, item: InboxItem | None = None,
                      ) -> Claim | Recorded | None:
        """One run of the ingest script; None when the identity moved to another customer.
        ``link``: the customer was just read from the identity's key (not remembered), so
        the script adds the identity to the customer's list rather than checking it.
        ``item``: the object ``item_json`` was dumped from; when the claim's first item is
        the one just recorded (the usual case), the script does not send it back and it
        is used as it is (``item_json`` parsed when no object is given).

        On a single server the doorbell rings inside the script: one command, and never a
        recorded item without its doorbell. On a cluster the stream lives in another hash
        slot than the customer's keys, so it is rung after the item is recorded (never
        before: a worker woken first could find the inbox still empty and acknowledge)."""
        ck = self.keys.customer(customer_id)
        token = "" if doorbell else new_token()  # a web process never claims
        now = now_ms()
        keys = [ck.identities, ck.seen, ck.inbox, ck.lease, ck.session, ck.last_inbound,
                ck.outbox]
        inside = doorbell if doorbell is not None and not self.batcher.cluster else None
        sent = self.outbox.acks.carry(customer_id)  # sent replies, cleared on the way
        args: list[Any] = [identity_key, dedupe_id, now, item_json, token,
                           0 if doorbell else self.lease_ms,
                           now - self.dedupe_ms if now % self.prune_every == 0 else 0,
                           1 if link else 0, customer_id if inside else "",
                           inside.max_length if inside else "", *sent]
        if inside is not None:
            keys.append(inside.stream)
        result = await self._ingest(keys=keys, args=args)
        if sent:
            self.outbox.acks.carried(customer_id, sent)
        tag = result[0]
        if tag == b"moved":
            return None
        if tag == b"claimed":
            return self._claim_from(customer_id, token, result, (item_json, item))
        if doorbell is not None and inside is None:
            try:
                await self.batcher.execute("XADD", doorbell.stream, "MAXLEN", "~",
                                           doorbell.max_length, "*", "c", customer_id)
            except CLIENT_ERRORS as exc:
                # Answered 5xx: the redelivery is a duplicate, and rings again.
                raise StoreError(f"recorded, but no worker could be told: {exc}") from exc
        return Recorded(customer_id, RECORD_STATUSES[tag])

    @translates
    async def claim(self, customer_id: str) -> Claim | float | None:
        """Claim a customer with waiting messages: a ``Claim``, the seconds until the current
        lease expires when another turn holds it, or None when nothing waits."""
        ck = self.keys.customer(customer_id)
        token = new_token()
        result = await self._claim(keys=[ck.lease, ck.session, ck.inbox],
                                   args=[token, self.lease_ms])
        if result[0] == b"empty":
            return None
        if result[0] == b"busy":
            return max(int(result[1]), 0) / 1000
        return self._claim_from(customer_id, token, result)

    def _claim_from(self, customer_id: str, token: str, result: Sequence[Any],
                    written: tuple[bytes | str, InboxItem | None] | None = None) -> Claim:
        """``written``: the item just recorded, as JSON and as the object (or None), which
        the ingest script answers with an empty head when it is the claim's item."""
        _tag, version, session_json, profile_json, head = result
        if head or written is None:
            item = parse_item(head)
        else:  # An Inbound is frozen: the recorded object can be shared with the turn.
            raw, given = written
            item = given if given is not None else parse_item(
                raw.encode() if isinstance(raw, str) else raw)
        kept = self._kept.pop(customer_id, None)
        if kept is not None and kept[0] == session_json and kept[1] == profile_json:
            session, profile = kept[2], kept[3]  # what this process wrote last: as it is
        else:
            # Read back from the store, which another process or an older version of
            # this code may have written: validated here, at the boundary.
            session = Session.model_validate_json(session_json) if session_json else Session()
            profile = Profile.model_validate_json(profile_json) if profile_json else Profile()
        version_number = int(version)
        session.version = version_number
        return Claim(customer_id, token, version_number, session, profile, item,
                     session_json, profile_json)

    def keep(self, customer_id: str, committed: Committed, session: Session,
             profile: Profile) -> None:
        """Keep a committed session and profile for the customer's next claim, once their
        turn is over (nothing changes them any more). If the store still holds exactly
        the JSON committed, that claim takes these objects instead of parsing it again;
        if anyone wrote since, the JSON differs and it parses what is stored."""
        self._kept[customer_id] = (committed.saved_session, committed.saved_profile,
                                   session, profile)
        if len(self._kept) > _KEPT_SESSIONS:
            self._kept.popitem(last=False)

    @translates
    async def commit(
        self,
        claim: Claim,
        *,
        session: Session,
        profile: Profile | None,
        events: Sequence[Event],
        outbox: Sequence[Delivery],
    ) -> Committed:
        """Commit the turn for ``claim.item``: the claim for the next waiting item (the
        lease is kept) or None (released), and the first reply to send, already claimed.
        ``profile`` is written when it differs from the one claimed (None: unchanged).
        The next claim carries ``session`` on, its version bumped: it belongs to the next
        turn from here on. Raises ``StaleWrite`` when the lease or the version moved on."""
        ck = self.keys.customer(claim.customer_id)
        now = now_ms()
        session_json = _dump_session(session)
        profile_json = _dump_profile(profile) if profile is not None else b""
        if profile_json == claim.saved_profile:
            profile_json = b""
        args: list[Any] = [
            claim.token,
            claim.version,
            session_json,
            profile_json,
            self.history_limit,
            self.lease_ms,
            len(events),
            len(outbox),
            session.mode,
            now,
            self.outbox.stale_ms,
        ]
        sent = self.outbox.acks.carry(claim.customer_id)  # sent replies, cleared first
        args += [len(sent), *sent]
        args.extend(map(dump_event, events))
        for delivery in outbox:
            args.append(delivery.id)
            args.append(dump_delivery(delivery))
        keys = [ck.lease, ck.session, ck.inbox, ck.events, ck.outbox]
        hooks = (self._business_events(claim, profile if profile_json else None, events)
                 if self.events is not None else None)
        if hooks and self.events is not None:
            hook_keys, hook_args = self.events.commit_parts(claim.customer_id, hooks)
            keys += hook_keys
            args += hook_args
        try:
            result = await self._commit(keys=keys, args=args)
        except StoreError:
            # Unanswered (a hung or lost store): it may or may not have been applied. Either
            # way the lease is given up, best effort, so the next claim (recovery, the next
            # message) need not wait it out; release checks the token, so it frees nothing
            # another turn holds, and a commit arriving after it finds the lease gone.
            with contextlib.suppress(StoreError):
                await self.release(claim.customer_id, claim.token)
            raise
        if result[0] == b"stale":
            raise StaleWrite(
                f"customer {claim.customer_id}: lease or version moved on; turn discarded"
            )
        if hooks and self.batcher.cluster:
            await self._ring_events(claim.customer_id)
        if sent:
            self.outbox.acks.carried(claim.customer_id, sent)
        new_version = int(result[1])
        answer = send_answer(result[4:7], outbox)
        send = self.outbox.claimed(claim.customer_id, answer, now,  # alone: see sent_later
                                   alone=len(outbox) == 1 and answer is outbox[0])
        saved_profile = profile_json or claim.saved_profile
        if result[0] == b"done":
            return Committed(None, send, session_json, saved_profile)
        session.version = new_version
        return Committed(Claim(claim.customer_id, claim.token, new_version, session,
                               profile if profile is not None else claim.profile,
                               parse_item(result[3]), session_json, saved_profile),
                         send, session_json, saved_profile)

    def _business_events(self, claim: Claim, changed: Profile | None,
                         events: Sequence[Event]) -> list[bytes]:
        """The turn's business events as the commit writes them, when anyone subscribes."""
        if self.events is None or self.events.source is None or not self.events.subscriptions:
            return []
        return self.events.source.of_turn(claim.customer_id, created=claim.version == 0,
                                          profile=changed, history=events)

    async def _ring_events(self, customer_id: str) -> None:
        """On a cluster, after the commit: the events are stored, the ring may fail (a
        worker's recovery scan then finds the stream)."""
        assert self.events is not None
        try:
            await self.events.ring(customer_id)
        except StoreError as exc:
            log.warning("events committed, but not marked due (recovery will): %s", exc)

    @translates
    async def extend(self, claim: Claim) -> bool:
        """Keep the lease of a long turn alive. False when it was lost already."""
        ck = self.keys.customer(claim.customer_id)
        return bool(await self._extend(keys=[ck.lease], args=[claim.token, self.lease_ms]))

    async def acquire(self, customer_id: str, *, timeout: float = 5.0) -> str:
        """Take a customer's lease outside the inbox flow (merges, operator actions):
        waits for a running turn to finish, bounded. Returns the token."""
        key = self.keys.customer(customer_id).lease
        token = new_token()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self.redis.set(key, token, nx=True, px=self.lease_ms):
            if loop.time() > deadline:
                raise StoreError(f"customer {customer_id} stayed busy for {timeout:g}s")
            await asyncio.sleep(0.005)  # a turn holds it for milliseconds: poll, bounded
        return token

    @translates
    async def release(self, customer_id: str, token: str) -> None:
        await self._release(keys=[self.keys.customer(customer_id).lease], args=[token])

    # -- reading ------------------------------------------------------------------------

    async def load(self, customer_id: str) -> tuple[Session, Profile]:
        """Read a customer's session and profile (for consoles and tests, not for turns)."""
        version, data, profile = await self.redis.hmget(
            self.keys.customer(customer_id).session,
            [SessionFields.VERSION, SessionFields.DATA, SessionFields.PROFILE])
        session = Session.model_validate_json(data) if data else Session()
        session.version = int(version or 0)
        return session, Profile.model_validate_json(profile) if profile else Profile()

    async def history(self, customer_id: str, *, limit: int = 500) -> list[Event]:
        raw = await self.redis.lrange(self.keys.customer(customer_id).events, -limit, -1)
        return [load_event(item) for item in raw]

    async def overviews(self, customer_ids: Sequence[str], *, events: int = 20
                        ) -> list[tuple[Session, Profile, list[Event]] | None]:
        """For lists of conversations (``overviews.py``: one pipelined batch)."""
        return await read_overviews(self.redis, self.keys, customer_ids, events=events)

    async def append_events(self, customer_id: str, events: Sequence[Event]) -> None:
        """Append events outside a turn (delivery failures, notes)."""
        if not events:
            return
        key = self.keys.customer(customer_id).events
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, *map(dump_event, events))
            pipe.ltrim(key, -self.history_limit, -1)
            await pipe.execute()

    # -- linking ----------------------------------------------------------------------------

    async def merge(self, source: str, target: str, *, address: Identity,
                    events: Sequence[Event] = (), greet: Greeting | None = None) -> Merged:
        """Join customer ``source`` into ``target`` (the caller holds the source's lease,
        in the source's turn); the customer is now at ``address``. See ``merges.py``."""
        return await merge_customers(self, source=source, target=target, address=address,
                                     extra_events=events, greet=greet)

    # -- recovery -------------------------------------------------------------------------

    async def customers_matching(self, pattern: str) -> AsyncIterator[str]:
        async for key in self.redis.scan_iter(match=pattern, count=500):
            yield self.keys.customer_id_of(key.decode() if isinstance(key, bytes) else key)
