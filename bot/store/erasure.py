"""Erasing a customer from the store (GDPR article 17), leaving an audit record without
personal data.

What goes: every key under the customer's hash tag ``{c:<id>}`` (session, profile,
history, inbox, outbox, dedupe marks, and whatever a feature keeps there: found by a scan
of that tag, so a key added later is erased without editing this list), the identity keys
that still name the customer, the entries of the vouched-phone index and the link codes
that name them, and their place in the handoff queue, in every operator's active set and
in every operator's read marks (when they last had the conversation open).

Not a single atomic step: the keys live in several hash slots. It runs with the
customer's lease held (no turn can run meanwhile), and every cross-slot pointer is
dropped only while it still names this customer (a compare-and-delete script), so an
identity another customer took over in the meantime is left alone. A message arriving
from one of the identities after the erasure starts a new customer, as a stranger's would.
The connectors erase what they keep per sender themselves (``BaseConnector.forget``).

The audit record (a stream, ``<prefix>:audit``) holds when, who asked, a keyed hash of
the customer id (so a later request about the same id can be matched, and nothing read
back), and how many keys went.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bot.messages import Identity
from bot.store.boundary import boundary
from bot.store.keys import Keys
from bot.store.results import as_str

#: Delete KEYS[1] only while it holds ARGV[1].
_DELETE_IF = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

#: Audit records kept (the stream is trimmed past this, oldest first).
AUDIT_LIMIT = 100_000


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure removed, counted (nothing personal)."""

    keys: int
    identities: int

    def as_dict(self) -> dict[str, int]:
        return {"keys": self.keys, "identities": self.identities}


@boundary
class CustomerErasure:
    def __init__(self, redis: Redis, *, keys: Keys) -> None:
        self.redis = redis
        self.keys = keys
        self._delete_if = redis.register_script(_DELETE_IF)

    async def erase(self, customer_id: str, identities: Sequence[Identity], *,
                    pointer_keys: Sequence[str] = (),
                    operators: Sequence[str] = ()) -> Erased:
        """Remove ``customer_id`` and everything that names them. ``identities`` are the
        customer's (read by the caller, with the lease held); ``pointer_keys`` are other
        keys whose value is the customer id (the phone index entries); ``operators``,
        whose active sets may hold the customer. The connectors' own state is theirs to
        forget (``BaseConnector.forget``)."""
        removed = 0
        for key in [self.keys.identity(i.key) for i in identities] + list(pointer_keys):
            removed += int(await self._delete_if(keys=[key], args=[customer_id]))
        removed += await self._drop_link_codes(customer_id)
        await self.redis.zrem(self.keys.handoff("queue"), customer_id)
        for operator in operators:  # their active set, and when they last read it
            await self.redis.srem(self.keys.handoff(f"active:{operator}"), customer_id)
            await self.redis.hdel(self.keys.handoff(f"read:{operator}"), customer_id)
        removed += await self._drop_tagged(customer_id)
        return Erased(keys=removed, identities=len(identities))

    async def _drop_tagged(self, customer_id: str) -> int:
        """Every key under the customer's hash tag (one slot: deleted in batches)."""
        pattern = f"{self.keys.prefix}:{{c:{customer_id}}}:*"
        found = [as_str(key) async for key in self.redis.scan_iter(match=pattern, count=500)]
        removed = 0
        for start in range(0, len(found), 200):
            removed += int(await self.redis.delete(*found[start:start + 200]))
        return removed

    async def _drop_link_codes(self, customer_id: str) -> int:
        """Link codes the customer asked for (they expire within minutes, but a code
        must not join a stranger to an erased customer's identity meanwhile)."""
        removed = 0
        pattern = self.keys.link_code("*")
        async for key in self.redis.scan_iter(match=pattern, count=500):
            removed += int(await self._delete_if(keys=[as_str(key)], args=[customer_id]))
        return removed

    async def audit(self, *, action: str, subject: str, actor: str,
                    counts: dict[str, int]) -> None:
        """Append an audit record: ``subject`` is already a keyed hash, never an id."""
        fields: dict[str, str] = {"at": f"{time.time():.3f}", "action": action,
                                  "subject": subject, "actor": actor}
        fields.update({name: str(value) for name, value in counts.items()})
        await self.redis.xadd(self.audit_key, fields,  # type: ignore[arg-type]
                              maxlen=AUDIT_LIMIT, approximate=True)

    @property
    def audit_key(self) -> str:
        return f"{self.keys.prefix}:audit"

    async def audit_records(self, count: int = 100) -> list[dict[str, str]]:
        raw: Any = await self.redis.xrevrange(
            self.audit_key, count=count) or []
        return [{as_str(k): as_str(v) for k, v in (fields or {}).items()} for _, fields in raw]
