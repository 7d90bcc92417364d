"""The work stream: "customer X has something waiting", for worker processes.

The messages themselves are already recorded, in order, in each customer's inbox (with
dedupe and the per-customer lease); a stream entry is only a doorbell. Workers read
doorbells through a consumer group and acknowledge one only after the customer's turns
and sends are done, so the doorbells of a worker that died stay pending and another
worker claims them (XAUTOCLAIM) once they have been idle longer than a turn can last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.store.boundary import boundary
from bot.store.keys import Keys

GROUP = "workers"


@dataclass(frozen=True, slots=True)
class Doorbell:
    """What a web process rings as it records a message: the stream's key and its
    approximate cap (``Store.ingest`` adds the entry, in its script on a single server)."""

    stream: str
    max_length: int


@boundary
class WorkStream:
    def __init__(self, redis: Redis, *, keys: Keys, max_length: int = 1_000_000) -> None:
        self.redis = redis
        self.key = keys.work_stream
        self.max_length = max_length
        #: Where the next XAUTOCLAIM scan of the pending entries continues: starting over
        #: at 0-0 each time would keep re-claiming the same first entries.
        self._cursor = "0-0"

    @property
    def doorbell(self) -> Doorbell:
        return Doorbell(self.key, self.max_length)

    async def ensure_group(self) -> None:
        try:
            # From the start of the stream: doorbells rung before any worker existed count.
            await self.redis.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(self, consumer: str, *, count: int, block_ms: int) -> list[tuple[str, str]]:
        answer: Any = await self.redis.xreadgroup(GROUP, consumer, {self.key: ">"},
                                                  count=count, block=block_ms)
        if not answer:
            return []
        # RESP2 answers [[stream, entries]]; RESP3 answers {stream: [entries]}.
        entries = next(iter(answer.values()))[0] if isinstance(answer, dict) else answer[0][1]
        return _entries(entries)

    async def reclaim(self, consumer: str, *, min_idle_ms: int,
                      count: int) -> list[tuple[str, str]]:
        """Doorbells another worker took and never acknowledged (it died or hung)."""
        answer: Any = await self.redis.xautoclaim(self.key, GROUP, consumer,
                                                  min_idle_time=min_idle_ms,
                                                  start_id=self._cursor, count=count)
        self._cursor = _s(answer[0])
        return _entries(answer[1])

    async def ack(self, *entry_ids: str) -> None:
        if entry_ids:
            await self.redis.xack(self.key, GROUP, *entry_ids)


def _entries(raw: Any) -> list[tuple[str, str]]:
    found = []
    for entry_id, fields in raw:
        if not fields:  # an entry trimmed away while pending: nothing to do but ack it
            found.append((_s(entry_id), ""))
            continue
        found.append((_s(entry_id), _s(fields.get(b"c") or fields.get("c") or b"")))
    return found


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
