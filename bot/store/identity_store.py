"""Identities in the store: which customer an identity belongs to (created on first
contact, joined through aliases), reassigned by linking, retired when the platform renames
a sender, and marked unreachable when a platform says so.

``Store`` inherits these; they are apart so the hot path's module stays readable.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from redis.asyncio import Redis

from bot.errors import StoreError
from bot.messages import Identity
from bot.store.batching import CommandBatcher
from bot.store.boundary import CLIENT_ERRORS, boundary, translates
from bot.store.identities import IdentityCache
from bot.store.keys import Keys
from bot.store.results import as_str
from bot.store.scripts import Script, now_ms


def new_customer_id() -> str:
    return secrets.token_hex(8)


@boundary
class IdentityStore:
    """The identity half of ``Store``: it sets these attributes up in its ``__init__``."""

    redis: Redis
    keys: Keys
    batcher: CommandBatcher
    _identity: Script
    _retire: Script
    _identities: IdentityCache

    @translates
    async def resolve(self, identity: Identity, aliases: Sequence[Identity] = ()) -> str:
        """The customer an identity belongs to, creating a new customer on first contact
        (or joining the customer of the first known alias: see ``Inbound.aliases``)."""
        key = identity.key
        customer_id, fetched = await self._customer_of(key, aliases)
        if fetched:
            try:
                # Idempotent: also repairs a crash between the two writes of a first contact.
                await self.batcher.execute("HSETNX", self.keys.customer(customer_id).identities,
                                           key, now_ms())
            except CLIENT_ERRORS as exc:
                raise StoreError(f"could not resolve identity: {exc}") from exc
        return customer_id

    async def known_customer(self, identity: Identity) -> str | None:
        """The customer of an identity seen before, else None: never creates one (for
        signals that are no message, like a visitor typing before they wrote)."""
        cached = self._identities.known(identity.key)
        if cached is not None:
            return cached
        try:
            raw = await self.batcher.execute("GET", self.keys.identity(identity.key))
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not look up identity: {exc}") from exc
        return None if raw is None else as_str(raw)

    async def _customer_of(self, identity_key: str,
                           aliases: Sequence[Identity] = ()) -> tuple[str, bool]:
        """The customer of an identity, and True when it was read (or created) in the
        store just now: the customer's list of identities must then be made to hold it
        (``resolve`` does; ``ingest`` does it inside its script, saving a round trip)."""
        return await self._identities.lookup(
            identity_key, lambda: self._fetch_customer(identity_key, aliases))

    async def _fetch_customer(self, identity_key: str,
                              aliases: Sequence[Identity] = ()) -> str:
        candidate = await self._alias_customer(identity_key, aliases) if aliases else None
        raw = await self._identity(keys=[self.keys.identity(identity_key)],
                                   args=[candidate or new_customer_id()])
        return as_str(raw)

    async def _alias_customer(self, identity_key: str,
                              aliases: Sequence[Identity]) -> str | None:
        """For an identity not yet known, the customer of its first known alias. Separate
        reads, not one script: identity keys live in different slots on a cluster. The
        identity script then sets the identity only if still unset, so two first
        messages at once still agree on one customer."""
        try:
            if await self.batcher.execute("EXISTS", self.keys.identity(identity_key)):
                return None
            for alias in aliases:
                held = await self.batcher.execute("GET", self.keys.identity(alias.key))
                if held is not None:
                    return as_str(held)
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not resolve identity aliases: {exc}") from exc
        return None

    async def assign_identity(self, identity: Identity, customer_id: str) -> None:
        """Point ``identity`` at ``customer_id`` (the primitive that linking builds on).

        The identity key is written first: a concurrent ingest for the identity then finds
        it missing from the old customer, re-resolves, and lands on the new one.
        """
        key = identity.key
        previous = await self.redis.getset(self.keys.identity(key), customer_id)
        await self.redis.hset(self.keys.customer(customer_id).identities, key, now_ms())
        if previous is not None and as_str(previous) != customer_id:
            await self.redis.hdel(self.keys.customer(as_str(previous)).identities, key)
        self.forget_identity(key)

    async def retire_identity(self, customer_id: str, old: Identity, new: Identity) -> bool:
        """``old`` is no longer the customer's: ``new`` (already theirs) replaces it, and
        a message still arriving from ``old`` would start a new customer (an old phone
        number may belong to someone else now). False when ``old`` was not theirs.

        The customer's lists change in one script; the identity key, in another slot on
        a cluster, is dropped after, and only while it still names this customer."""
        ck = self.keys.customer(customer_id)
        was = await self._retire(keys=[ck.identities, ck.last_inbound, ck.unreachable],
                                 args=[old.key, new.key, now_ms()])
        try:
            held = await self.batcher.execute("GET", self.keys.identity(old.key))
            if held is not None and as_str(held) == customer_id:
                await self.batcher.execute("DEL", self.keys.identity(old.key))
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not retire an identity: {exc}") from exc
        self.forget_identity(old.key)
        return bool(was)

    def forget_identity(self, identity_key: str) -> None:
        """Drop a cached identity → customer mapping (after a link, merge or unlink)."""
        self._identities.forget(identity_key)

    def forget_identities(self) -> None:
        """Drop every cached mapping (after the store was flushed: benchmarks, tests)."""
        self._identities.clear()

    async def identities(self, customer_id: str) -> list[Identity]:
        raw = await self.redis.hkeys(self.keys.customer(customer_id).identities)
        return [Identity.from_key(as_str(k)) for k in raw]

    @translates
    async def identities_seen(self, customer_id: str) -> dict[str, float]:
        """Each identity's key → when it first wrote to us (epoch seconds)."""
        raw = await self.redis.hgetall(self.keys.customer(customer_id).identities)
        return {as_str(k): int(v) / 1000 for k, v in raw.items()}

    @translates
    async def last_inbound(self, customer_id: str) -> dict[str, float]:
        """When the customer last wrote from each identity (epoch seconds)."""
        try:
            # Through the batcher: read before every send on a windowed channel, it cost
            # as much as the send itself through redis-py's own command path.
            raw = await self.batcher.execute("HGETALL",
                                             self.keys.customer(customer_id).last_inbound)
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not read when the customer last wrote: {exc}") from exc
        # The batcher's answers are raw: a flat [field, value, ...] list (RESP2) or a map.
        pairs = raw.items() if isinstance(raw, dict) else zip(raw[::2], raw[1::2], strict=True)
        return {as_str(k): int(v) / 1000 for k, v in pairs}

    async def mark_unreachable(self, customer_id: str, identity: Identity, reason: str) -> None:
        await self.redis.hset(self.keys.customer(customer_id).unreachable, identity.key, reason)

    async def unreachable_reasons(self, customer_id: str) -> dict[str, str]:
        """Identity key → why the customer cannot be reached there."""
        raw = await self.redis.hgetall(self.keys.customer(customer_id).unreachable)
        return {as_str(k): as_str(v) for k, v in raw.items()}

    async def unreachable_identities(self, customer_id: str) -> list[str]:
        raw = await self.redis.hkeys(self.keys.customer(customer_id).unreachable)
        return [as_str(k) for k in raw]

    async def is_unreachable(self, customer_id: str, identity: Identity) -> bool:
        return bool(
            await self.redis.hexists(self.keys.customer(customer_id).unreachable, identity.key)
        )
