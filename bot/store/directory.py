"""Finding a customer by what the business knows them by, and remembering API calls by
their ``Idempotency-Key``.

- by customer id: the customer exists when the store holds a session or an identity;
- by phone (E.164): the number a platform vouched for (a WhatsApp or SMS sender: the
  linking index, ``LinkStore.phone_holder``);
- by e-mail or external id (``crm:hubspot:123``, ``erp:customer:987``: unique per
  system): attached through the API (``attach``), kept as keyed hashes like the phone
  index, so a dump of these keys names nobody; an e-mail is also found as an e-mail
  channel's sender (an identity whose platform id is the address).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis

from bot.messages import Identity
from bot.store.boundary import boundary
from bot.store.keys import Keys
from bot.store.links import LinkStore, keyed_hash
from bot.store.results import as_str
from bot.store.scripts import held_or_set

Kind = Literal["email", "external"]


@dataclass(frozen=True, slots=True)
class Remembered:
    """What an ``Idempotency-Key`` was first used for, and the answer given."""

    fingerprint: str
    answer: dict[str, Any]


@boundary
class CustomerDirectory:
    def __init__(self, redis: Redis, *, keys: Keys, links: LinkStore | None,
                 secret: bytes) -> None:
        self.redis = redis
        self.keys = keys
        self.links = links
        self.secret = secret

    def _key(self, kind: Kind, value: str) -> str:
        return self.keys.directory(kind, keyed_hash(self.secret, f"dir-{kind}", value))

    async def exists(self, customer_id: str) -> bool:
        ck = self.keys.customer(customer_id)
        return bool(await self.redis.exists(ck.session, ck.identities))

    async def by_phone(self, e164: str) -> str | None:
        return await self.links.phone_holder(e164) if self.links is not None else None

    async def by_email(self, email: str, accounts: Sequence[tuple[str, str]]) -> str | None:
        """``accounts``: (channel, account) of every enabled channel, whose senders may be
        named by their address (the e-mail channel)."""
        address = email.strip().lower()
        held = await self.redis.get(self._key("email", address))
        if held is not None:
            return as_str(held)
        for channel, account in accounts:
            key = Identity(channel=channel, account=account, user_id=address).key
            owner = await self.redis.get(self.keys.identity(key))
            if owner is not None:
                return as_str(owner)
        return None

    async def by_external_id(self, external_id: str) -> str | None:
        held = await self.redis.get(self._key("external", external_id))
        return as_str(held) if held is not None else None

    async def attach(self, kind: Kind, value: str, customer_id: str) -> str:
        """Make ``value`` find ``customer_id`` unless it finds another customer already;
        returns the customer it finds now. The entry is listed with the customer first
        (``CustomerKeys.pointers``), so an erasure finds it even after a crash here."""
        normal = value.strip().lower() if kind == "email" else value
        key = self._key(kind, normal)
        ck = self.keys.customer(customer_id)
        await self.redis.sadd(ck.pointers, key)
        held = await held_or_set(self.redis, key, customer_id)
        holder = as_str(held) if held is not None else customer_id
        if holder != customer_id:
            await self.redis.srem(ck.pointers, key)
        else:
            await self.redis.hset(ck.attached, normal, kind)
        return holder

    async def attached(self, customer_id: str) -> dict[str, list[str]]:
        return await attached_ids(self.redis, self.keys, customer_id)

    # -- idempotency keys -----------------------------------------------------------------

    async def remember(self, caller: str, key_hash: str, entry: Remembered, *,
                       customer_id: str, ttl_seconds: int) -> Remembered:
        """Keep ``entry`` (about ``customer_id``) for ``(caller, key)`` unless an entry is
        kept already; returns the one kept now (the first, when two calls with one key
        race)."""
        key = self.keys.idempotency(caller, key_hash)
        await self.redis.sadd(self.keys.customer(customer_id).pointers, key)
        raw = json.dumps({"f": entry.fingerprint, "a": entry.answer})
        kept = await held_or_set(self.redis, key, raw, ttl_seconds=max(1, ttl_seconds))
        return entry if kept is None else _remembered(kept)

    async def recall(self, caller: str, key_hash: str) -> Remembered | None:
        raw = await self.redis.get(self.keys.idempotency(caller, key_hash))
        return _remembered(raw) if raw is not None else None


def _remembered(raw: str | bytes) -> Remembered:
    data = json.loads(raw)
    return Remembered(fingerprint=data["f"], answer=data["a"])


async def attached_ids(redis: Redis, keys: Keys, customer_id: str) -> dict[str, list[str]]:
    """The e-mails and external ids attached to the customer through the API:
    ``{"email": [...], "external": [...]}``, each sorted (the API's record, the export)."""
    found: dict[str, list[str]] = {"email": [], "external": []}
    for value, kind in (await redis.hgetall(keys.customer(customer_id).attached)).items():
        found.setdefault(as_str(kind), []).append(as_str(value))
    return {kind: sorted(values) for kind, values in found.items()}


async def forget_pointers(redis: Redis, keys: Keys, customer_id: str) -> int:
    """Erase the keys outside the customer's tag that name them (their directory entries
    while they still do, and API idempotency records about them); how many went."""
    removed = 0
    for raw in await redis.smembers(keys.customer(customer_id).pointers):
        key = as_str(raw)
        held = await redis.get(key)
        if held is None:
            continue
        value = as_str(held)
        names_them = value == customer_id or (value.startswith("{") and json.loads(value)
                                              .get("a", {}).get("answer", {})
                                              .get("customer_id") == customer_id)
        if names_them:
            removed += int(await redis.delete(key))
    return removed
