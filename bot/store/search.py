"""The search index in Redis: which customers are filed under which term, sharded so
that it holds on Redis Cluster.

A global index cannot live in a customer's hash slot, and one key per term would make a
search with several terms a cross-slot intersection. So the index is cut into
``shards`` parts by customer (``crc32(id) % shards``); every key of a part shares the
tag ``{ix:<n>}``: its term sets, its customers' documents and its "recent" sorted set.
Filing a customer is one script in their part; a search runs one script per part (an
``SINTER`` inside one slot) and merges the parts' answers by time. The parts go out in
one batch, so a search costs one round trip on a single server, one per node on a
cluster. Valkey's search module is not part of the embedded server, and a plain
Redis has none, so the index is built from sets, which every Redis and Valkey has.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from redis.asyncio import Redis

from bot.store.batching import CommandBatcher
from bot.store.boundary import boundary, translated, translates
from bot.store.keys import Keys, SessionFields
from bot.store.results import as_str
from bot.store.scripts import Script

#: Parts of the index: enough that a cluster spreads them over its nodes, few enough
#: that a search (one script per part) stays one batch.
SHARDS = 16
#: A term set this small (in one part) is intersected; past it, when every term is this
#: common, the part's customers are walked newest first instead (``lua/find.lua``).
INTERSECT_BELOW = 2000


class Hit(NamedTuple):
    """One customer found: when they were last active (epoch seconds), and the facets
    they are filed under (``{"status": ["resolved"], "op": ["ana"], ...}``)."""

    customer_id: str
    at: float
    facets: dict[str, list[str]]


@boundary
class SearchIndex:
    def __init__(self, redis: Redis, batcher: CommandBatcher, *, keys: Keys,
                 shards: int = SHARDS, intersect_below: int = INTERSECT_BELOW) -> None:
        self.redis = redis
        self.keys = keys
        self.batcher = batcher
        self.shards = shards
        self.intersect_below = intersect_below
        script = partial(Script, redis, batcher)
        self._index = script("index", "file a conversation in the search index")
        self._find = script("find", "search conversations")
        self._forget = script("forget", "take a conversation out of the search index")

    def shard_of(self, customer_id: str) -> int:
        return zlib.crc32(customer_id.encode()) % self.shards

    @translates
    async def file(self, customer_id: str, *, from_version: int | None, to_version: int,
                   at: float, terms: Iterable[str],
                   facets: Mapping[str, Sequence[str]]) -> bool:
        """File the customer under ``terms`` and ``facets`` (see ``lua/index.lua``); False
        when the index was not at ``from_version`` (a turn it never saw: reindex them
        whole, ``from_version=None``)."""
        part = self.keys.search_shard(self.shard_of(customer_id))
        answer = await self._index(
            keys=[f"{part}:doc:{customer_id}", f"{part}:recent", f"{part}:terms:{customer_id}"],
            args=[f"{part}:t:", customer_id, "" if from_version is None else from_version,
                  to_version, at, json.dumps(facets), *terms])
        return as_str(answer) == "ok"

    @translates
    async def find(self, terms: Sequence[str], *, since: float = 0,
                   until: float = float("inf"), limit: int = 50) -> list[Hit]:
        """The customers filed under every one of ``terms`` (facets included), last
        active between ``since`` and ``until``, newest first."""
        till = "+inf" if until == float("inf") else until
        answers = await asyncio.gather(*(
            self._find(keys=[f"{part}:recent", *(f"{part}:t:{t}" for t in terms)],
                       args=[since, till, limit, self.intersect_below])
            for part in map(self.keys.search_shard, range(self.shards))))
        found = sorted(((as_str(rows[i]), float(rows[i + 1])) for rows in answers
                        for i in range(0, len(rows), 2)), key=lambda hit: hit[1],
                       reverse=True)[:limit]
        # The facets of the few kept only (each part answers up to ``limit``).
        async with self.redis.pipeline(transaction=False) as pipe:
            for customer_id, _ in found:
                part = self.keys.search_shard(self.shard_of(customer_id))
                pipe.hget(f"{part}:doc:{customer_id}", "f")
            facets = await pipe.execute()
        return [Hit(customer_id, at, _facets(raw))
                for (customer_id, at), raw in zip(found, facets, strict=True)]

    @translates
    async def everyone(self, *, chunk: int = 5000) -> list[tuple[str, float]]:
        """Every customer filed, with when they were last active (epoch seconds): the
        directory a campaign's segment is chosen from (``bot/campaigns/audience.py``).
        The parts are read at once through the batcher (a 100,000-customer directory
        costs redis-py's parsing of every score otherwise)."""
        with translated("read the customer directory"):
            parts = await asyncio.gather(*(
                self._recent(part, chunk) for part in map(self.keys.search_shard,
                                                          range(self.shards))))
        return [row for rows in parts for row in rows]

    async def _recent(self, part: str, chunk: int) -> list[tuple[str, float]]:
        found: list[tuple[str, float]] = []
        start = 0
        while True:
            rows: list[Any] = await self.batcher.execute(
                "ZRANGE", f"{part}:recent", start, start + chunk - 1, "WITHSCORES")
            pairs = (rows if rows and isinstance(rows[0], list)  # RESP3: [member, score]
                     else list(zip(rows[::2], rows[1::2], strict=True)))
            found.extend((as_str(member), float(score)) for member, score in pairs)
            if len(pairs) < chunk:
                return found
            start += chunk

    async def facets_of(self, customer_id: str) -> dict[str, list[str]]:
        """The facets a customer is filed under (``{}`` when not indexed)."""
        part = self.keys.search_shard(self.shard_of(customer_id))
        return _facets(await self.redis.hget(f"{part}:doc:{customer_id}", "f"))

    @translates
    async def forget(self, customer_id: str) -> None:
        """Take a customer out of the index wholly (merged into another, or erased): out
        of every term and facet they were filed under, in one script."""
        part = self.keys.search_shard(self.shard_of(customer_id))
        await self._forget(keys=[f"{part}:doc:{customer_id}", f"{part}:recent",
                                 f"{part}:terms:{customer_id}"],
                           args=[f"{part}:t:", customer_id])

    async def stale(self, customer_ids: Sequence[str]) -> list[str]:
        """Those of ``customer_ids`` whose committed session is newer than what the index
        holds of them (a turn whose filing was lost with a crashed process)."""
        if not customer_ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for customer_id in customer_ids:
                pipe.hget(self.keys.customer(customer_id).session, SessionFields.VERSION)
                part = self.keys.search_shard(self.shard_of(customer_id))
                pipe.hget(f"{part}:doc:{customer_id}", "v")
            versions: list[Any] = await pipe.execute()
        return [c for c, session, indexed in zip(customer_ids, versions[::2], versions[1::2],
                                                 strict=True)
                if int(session or 0) > int(indexed or 0)]


def _facets(raw: bytes | str | None) -> dict[str, list[str]]:
    """The facets as filed; Lua's JSON writes an empty list as ``{}``."""
    decoded = json.loads(raw) if raw else {}
    return {str(k): [str(x) for x in v] if isinstance(v, list) else []
            for k, v in decoded.items()}
