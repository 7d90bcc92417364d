"""The one catalogue in the store: a hash with a version, so every process and every
channel sees a price change at the same moment.

A reader asks for the version alone (``HGET v``: one small round trip) and fetches the
document only when the version moved, so a read costs the same whatever the catalogue's
size. A publish is one script: the same document (by digest) changes nothing, another
one bumps the version and replaces the document together, atomically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.store.boundary import boundary
from bot.store.keys import Keys
from bot.store.results import as_str
from bot.store.scripts import load_script, now_ms

_PUBLISH = load_script("catalogue_publish")


@dataclass(frozen=True, slots=True)
class Published:
    """The version the store holds after a publish, and whether the publish changed it."""

    version: int
    changed: bool


@dataclass(frozen=True, slots=True)
class Validators:
    """The polled source's ``ETag`` and ``Last-Modified`` for the document held now."""

    etag: str | None = None
    last_modified: str | None = None


@boundary
class CatalogueStore:
    def __init__(self, redis: Redis, *, keys: Keys) -> None:
        self._redis = redis
        self._key = keys.catalogue
        self._publish = redis.register_script(_PUBLISH)

    async def version(self) -> int:
        """The version held now; 0 when no catalogue was ever published."""
        raw = await self._redis.hget(self._key, "v")
        return int(raw) if raw is not None else 0

    async def read(self) -> tuple[int, str | None]:
        """The version and the document (JSON), read together."""
        version, document = await self._redis.hmget(self._key, ["v", "d"])
        if version is None or document is None:
            return 0, None
        return int(version), as_str(document)

    async def publish(self, document: str, *, source: str,
                      validators: Validators | None = None) -> Published:
        """Hold ``document`` (a validated catalogue's canonical JSON) from ``source``,
        with the polled source's ``validators`` when it has them."""
        digest = hashlib.sha256(document.encode()).hexdigest()
        version, changed = await self._publish(keys=[self._key],
                                               args=[document, digest, source, now_ms()])
        if validators is not None:
            await self.remember(validators)
        return Published(version=int(version), changed=bool(changed))

    async def remember(self, validators: Validators) -> None:
        await self._redis.hset(self._key, mapping={"e": validators.etag or "",
                                                   "m": validators.last_modified or ""})

    async def validators(self) -> Validators:
        etag, modified = await self._redis.hmget(self._key, ["e", "m"])
        return Validators(etag=as_str(etag) or None if etag is not None else None,
                          last_modified=as_str(modified) or None if modified is not None
                          else None)
