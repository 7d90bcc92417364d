"""Delivery statuses (sent, delivered, read, failed) in the customer's history.

Platforms redeliver statuses as they redeliver messages, so each is recorded once per
(channel, account, platform message id, status), remembered in the customer's dedupe set.
A status names the identity we sent to (and maybe aliases: other ids of the recipient);
one the store knows by none of them is ignored, never turned into a new customer (a
forged or stray status must not create anything).
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.exceptions import RedisError

from bot.errors import StoreError
from bot.messages import Identity
from bot.model import Event
from bot.store.history_codec import dump_event
from bot.store.results import as_str
from bot.store.scripts import Script, now_ms
from bot.store.store import Store


class StatusLog:
    """Records delivery statuses through ``store``'s client and keys."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._record = Script(store.redis, store.batcher, "status", "record a delivery status")

    async def record(self, identity: Identity, platform_message_id: str, status: str,
                     event: Event, *, aliases: Sequence[Identity] = ()) -> bool:
        """Append ``event`` to the history of ``identity``'s customer unless this status
        was recorded before or neither the identity nor any of its ``aliases`` (other ids
        the platform gave for the recipient) is known. True when it was recorded."""
        if not await self._known(identity, aliases):
            return False
        store = self.store
        dedupe_id = (f"status:{identity.channel}:{identity.account}:"
                     f"{platform_message_id}:{status}")
        for _attempt in range(3):
            # Known (or known by an alias, whose customer it then joins): no new customer.
            ck = store.keys.customer(await store.resolve(identity, aliases))
            now = now_ms()
            answer = await self._record(
                keys=[ck.identities, ck.seen, ck.events],
                args=[identity.key, dedupe_id, now, now - store.dedupe_ms,
                      dump_event(event), store.history_limit])
            outcome = as_str(answer)
            if outcome != "moved":
                return outcome == "recorded"
            store.forget_identity(identity.key)
        raise StoreError("a status's recipient kept moving between customers; retry")

    async def _known(self, identity: Identity, aliases: Sequence[Identity]) -> bool:
        """Whether the store maps the identity or one of its aliases to a customer. One
        read per key: they live in different slots on a cluster."""
        try:
            for candidate in (identity, *aliases):
                if await self.store.redis.exists(self.store.keys.identity(candidate.key)):
                    return True
        except (RedisError, OSError) as exc:
            raise StoreError(f"could not look up a status's recipient: {exc}") from exc
        return False
