"""Campaigns in the store: each one's definition and state, its recipients still to be
sent, what happened to each recipient, and the counters the stats read.

Every key of a campaign shares its ``{camp:<id>}`` hash tag, so the scripts that claim
recipients and record outcomes touch one slot on a Redis Cluster.

- ``meta`` (hash): the definition's JSON, ``status``, who created it and when, the audience.
- ``queue`` (sorted set): ``<customer>|<time zone>|<channel>`` scored by when the
  recipient is due (ms). It is the campaign's durable cursor: a worker claims a batch by
  pushing its scores ``claim_seconds`` ahead (the reminders' ``claim_due.lua``), queues
  each recipient's message in their inbox, then removes them. A worker killed between two
  of these steps leaves claims that come due again; queueing again is harmless (the inbox
  dedupes the message's id, ``campaign:<id>:<customer>``), so no recipient is missed and
  none gets two copies.
- ``outcome`` (hash): ``<customer>|<kind>`` → detail, written once per pair by
  ``campaign_outcome.lua``, which counts the pair in ``stats`` the first time only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from bot.errors import StoreError
from bot.messages import Identity
from bot.model import Profile
from bot.store.batching import CommandBatcher
from bot.store.boundary import CLIENT_ERRORS, boundary, translates
from bot.store.keys import CustomerKeys, Keys
from bot.store.results import as_str
from bot.store.scripts import Script, now_ms

#: Commands per pipelined batch when writing a queue or reading recipients.
_CHUNK = 2000


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: str
    definition_json: str
    status: str
    created_at: float
    by: str
    start_at: float
    audience: int


class FrameView(BaseModel):
    """Of a session's flow, what a segment looks at."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    flow: str
    started_at: float


class SessionView(BaseModel):
    """Of a session, what a segment looks at: reading only these costs a fraction of
    the whole ``Session`` (it is read for every customer of the directory)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    address: Identity | None = None
    stack: list[FrameView] = Field(default_factory=list)
    suspended: list[FrameView] = Field(default_factory=list)


_NO_SESSION = SessionView()


class Snapshot:
    """What a segment looks at for one customer, read with one script; ``identities``
    are identity keys (``channel:account:user``). The session is decoded the first time
    it is asked for: only a flow condition, or a customer the campaign could reach on
    more than one channel, needs it, and most customers of a directory are neither."""

    __slots__ = ("_session", "_session_json", "customer_id", "identities", "last_inbound",
                 "profile", "unreachable")

    def __init__(self, *, customer_id: str, profile: Profile, identities: list[str],
                 unreachable: dict[str, str], last_inbound: dict[str, float],
                 session: SessionView | str | bytes | None = None) -> None:
        self.customer_id = customer_id
        self.profile = profile
        self.identities = identities
        self.unreachable = unreachable
        self.last_inbound = last_inbound
        self._session = session if isinstance(session, SessionView) else None
        self._session_json = None if isinstance(session, SessionView) else session

    @property
    def session(self) -> SessionView:
        if self._session is None:
            raw = self._session_json
            self._session = SessionView.model_validate_json(raw) if raw else _NO_SESSION
        return self._session


def channel_of(identity_key: str) -> str:
    """The channel of an identity key (``Identity.key``: ``channel:account:user``)."""
    return identity_key.partition(":")[0]


def member(customer_id: str, timezone: str, channel: str) -> str:
    return f"{customer_id}|{timezone}|{channel}"


def parse_member(raw: str) -> tuple[str, str, str]:
    customer_id, timezone, channel = raw.split("|", 2)
    return customer_id, timezone, channel


@boundary
class CampaignStore:
    def __init__(self, redis: Redis, batcher: CommandBatcher, keys: Keys) -> None:
        self.redis = redis
        self.batcher = batcher
        self.keys = keys
        self._claim = Script(redis, batcher, "claim_due", "claim campaign recipients")
        self._outcome = Script(redis, batcher, "campaign_outcome", "record a campaign outcome")
        self._move = Script(redis, batcher, "campaign_status", "change a campaign's status")
        self._snapshot = Script(redis, batcher, "campaign_snapshot",
                                "read a campaign's customers")

    def _key(self, campaign_id: str, part: str) -> str:
        return f"{self.keys.campaign(campaign_id)}:{part}"

    async def create(self, record: CampaignRecord, recipients: Sequence[str],
                     stats: Mapping[str, int]) -> None:
        """Write the queue and the counters first and the campaign last: a crash halfway
        leaves keys no campaign names, never a campaign with half its audience."""
        queue = self._key(record.id, "queue")
        due = int(record.start_at * 1000)
        # Through the batcher, every chunk at once: redis-py packs each member in Python.
        await asyncio.gather(*(
            self.batcher.execute("ZADD", queue, *_scored(recipients[start:start + _CHUNK], due))
            for start in range(0, len(recipients), _CHUNK)))
        if stats:
            counters: dict[Any, Any] = dict(stats)
            await self.redis.hset(self._key(record.id, "stats"), mapping=counters)
        await self.redis.hset(self._key(record.id, "meta"), mapping={
            "definition": record.definition_json, "status": record.status,
            "created_at": record.created_at, "by": record.by, "start_at": record.start_at,
            "audience": record.audience})
        await self.redis.zadd(self.keys.campaigns, {record.id: int(record.created_at * 1000)})

    async def get(self, campaign_id: str) -> CampaignRecord | None:
        raw = await self.redis.hgetall(self._key(campaign_id, "meta"))
        if not raw:
            return None
        meta = {as_str(k): as_str(v) for k, v in raw.items()}
        return CampaignRecord(id=campaign_id, definition_json=meta["definition"],
                              status=meta["status"], created_at=float(meta["created_at"]),
                              by=meta["by"], start_at=float(meta["start_at"]),
                              audience=int(meta["audience"]))

    @translates
    async def status(self, campaign_id: str) -> str | None:
        try:  # through the batcher: read by every clock for every campaign, each poll
            raw = await self.batcher.execute("HGET", self._key(campaign_id, "meta"), "status")
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not read a campaign's status: {exc}") from exc
        return as_str(raw) if raw is not None else None

    async def ids(self, *, limit: int = 100) -> list[str]:
        """The newest campaigns first."""
        found: list[Any] = await self.redis.zrevrange(self.keys.campaigns, 0, limit - 1)
        return [as_str(i) for i in found]

    @translates
    async def move(self, campaign_id: str, to: str, *, allowed_from: Sequence[str]) -> bool:
        """Change the status if it is one of ``allowed_from`` now; False otherwise.
        Leaving ``paused``, the recipients held meanwhile are queued again
        (``bot/store/campaign_holds.py``)."""
        keys = [self._key(campaign_id, part) for part in ("meta", "queue", "held")]
        return bool(await self._move(keys=keys, args=[to, now_ms(), *allowed_from]))

    @translates
    async def claim(self, campaign_id: str, *, claim_seconds: float,
                    limit: int) -> list[str]:
        """Recipients due now, claimed for this process for ``claim_seconds``."""
        found = await self._claim(keys=[self._key(campaign_id, "queue")],
                                  args=[now_ms(), int(claim_seconds * 1000), limit])
        return [as_str(m) for m in found]

    async def done(self, campaign_id: str, members: Sequence[str]) -> None:
        if members:
            await self.redis.zrem(self._key(campaign_id, "queue"), *members)

    async def defer(self, campaign_id: str, members: Mapping[str, float]) -> None:
        """Due later (quiet hours): only members still queued (XX: never re-adds one)."""
        if members:
            await self.redis.zadd(self._key(campaign_id, "queue"),
                                  {m: int(at * 1000) for m, at in members.items()}, xx=True)

    async def remaining(self, campaign_id: str) -> int:
        return int(await self.redis.zcard(self._key(campaign_id, "queue")))

    async def next_due(self, campaign_id: str) -> float | None:
        first = await self.redis.zrange(self._key(campaign_id, "queue"), 0, 0, withscores=True)
        return float(first[0][1]) / 1000 if first else None

    @translates
    async def record(self, campaign_id: str, customer_id: str, kind: str, detail: str,
                     counter: str) -> bool:
        """Count ``counter`` once for (customer, kind); True when it was new."""
        return bool(await self._outcome(
            keys=[self._key(campaign_id, "outcome"), self._key(campaign_id, "stats")],
            args=[f"{customer_id}|{kind}", detail, counter]))

    async def outcome(self, campaign_id: str, customer_id: str, kind: str) -> str | None:
        raw = await self.redis.hget(self._key(campaign_id, "outcome"), f"{customer_id}|{kind}")
        return as_str(raw) if raw is not None else None

    async def stats(self, campaign_id: str) -> dict[str, int]:
        raw = await self.redis.hgetall(self._key(campaign_id, "stats"))
        return {as_str(k): int(v) for k, v in raw.items()}

    async def snapshots(self, customer_ids: Sequence[str]) -> list[Snapshot]:
        """Each customer's session, profile, identities, unreachable marks and last
        messages: one script each (``campaign_snapshot.lua``, its keys under the
        customer's tag), a chunk written together through the batcher: one round trip
        per chunk, and neither redis-py's nor a task's cost per customer. Customers with
        no identity (merged into another, or erased) are left out."""
        found: list[Snapshot] = []
        prefix = self.keys.prefix
        for start in range(0, len(customer_ids), _CHUNK):
            chunk = customer_ids[start:start + _CHUNK]
            calls = []
            for customer_id in chunk:
                ck = CustomerKeys(prefix, customer_id)  # not kept: read once per campaign
                calls.append(((ck.session, ck.identities, ck.unreachable, ck.last_inbound),
                              ()))
            for customer_id, reply in zip(chunk, await self._snapshot.each(calls),
                                          strict=True):
                if len(reply) > 2:
                    found.append(_snapshot(customer_id, reply))
        return found

    async def reach(self, customer_id: str) -> tuple[dict[str, str], dict[str, float]]:
        """The customer's unreachable marks and when they last wrote from each identity,
        in one round trip (read in every campaign turn)."""
        ck = self.keys.customer(customer_id)
        try:
            unreachable, last = await asyncio.gather(
                self.batcher.execute("HGETALL", ck.unreachable),
                self.batcher.execute("HGETALL", ck.last_inbound))
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not read whether a customer can be reached: {exc}") \
                from exc
        return ({as_str(k): as_str(v) for k, v in _pairs(unreachable)},
                {as_str(k): int(v) / 1000 for k, v in _pairs(last)})


def _snapshot(customer_id: str, reply: list[Any]) -> Snapshot:
    """A customer's ``campaign_snapshot.lua`` answer: the session's and the profile's
    JSON, then (identity key, unreachable mark, last written ms) for each identity."""
    session, profile = reply[0], reply[1]
    identities: list[str] = []
    unreachable: dict[str, str] = {}
    last_inbound: dict[str, float] = {}
    for n in range(2, len(reply), 3):
        key = as_str(reply[n])
        identities.append(key)
        if reply[n + 1] is not None:
            unreachable[key] = as_str(reply[n + 1])
        if reply[n + 2] is not None:
            last_inbound[key] = int(reply[n + 2]) / 1000
    return Snapshot(customer_id=customer_id, session=session, identities=identities,
                    profile=Profile.model_validate_json(profile) if profile
                    else Profile(), unreachable=unreachable, last_inbound=last_inbound)


def _scored(members: Sequence[str], score: int) -> list[str | int]:
    """``ZADD``'s arguments: score, member, score, member..."""
    return [part for m in members for part in (score, m)]


def _pairs(raw: Any) -> Iterable[tuple[Any, Any]]:
    """A hash as the batcher answers it: a flat [field, value, ...] list (RESP2) or a map."""
    return raw.items() if isinstance(raw, dict) else zip(raw[::2], raw[1::2], strict=True)
