"""The outbox: replies committed with their turn and waiting to be sent, and the claims
that let one sender at a time, in any process, send a customer's replies in commit order.

A reply is claimed (``lua/next_send.lua``, or by the commit itself for its first reply)
before it is sent; from then on it counts as sent, and it leaves the outbox once the
platform took it (``lua/sent.lua``). A claim left alone past ``stale_ms`` is a dead
sender's and is handed out again, with the same idempotency key. This process remembers
the claims it holds, so that a sender waiting out a rate limit can renew its own and learn
when another process took the reply over.

A claim is a field of the outbox hash itself (``OutboxFields``): claiming a reply, and
clearing it once sent, costs one command less each than the hash of its own that held the
claims before (issue 22); ``adopt_old_marks`` moves a store's claims of that layout over.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from bot.model import DELIVERIES, Delivery
from bot.store.acks import DeferredAcks
from bot.store.batching import CommandBatcher
from bot.store.boundary import boundary, translates
from bot.store.keys import Keys, OutboxFields
from bot.store.results import SendAnswer, send_answer
from bot.store.scripts import Script, now_ms

#: The version of the stored layout this code writes (``Keys.layout``): 2, the send claims
#: in the outbox hash.
LAYOUT = b"2"

#: Send claims remembered for ``still_sending``; a sender stranded by a store failure
#: never clears its entry, so the oldest go first past this many.
_SEND_CLAIMS = 100_000

# Called directly: ``model_dump_json`` adds a Python layer around the same call.
dump_delivery = DELIVERIES.serializer.to_json


@boundary
class Outbox:
    def __init__(self, redis: Redis, batcher: CommandBatcher, keys: Keys, *,
                 stale_ms: int) -> None:
        self.redis = redis
        self.keys = keys
        #: A reply claimed this long ago by a process that never finished it (it died) is
        #: handed out again, with the same idempotency key.
        self.stale_ms = stale_ms
        self._next_send = Script(redis, batcher, "next_send", "claim a delivery")
        self._sent = Script(redis, batcher, "sent", "clear a sent reply")
        self._renew_send = Script(redis, batcher, "renew_send", "renew a send claim")
        self._adopt = Script(redis, batcher, "adopt_marks", "move old send claims")
        #: (customer, delivery id) → the time this process claimed the reply for sending,
        #: as written in the store: what ``still_sending`` checks it still holds.
        self._claims: dict[tuple[str, str], int] = {}
        #: Replies a commit claimed as its only one: once sent, acknowledged later.
        self._alone: dict[tuple[str, str], None] = {}
        #: Sent replies cleared by the customer's next script call (``acks.py``).
        self.acks = DeferredAcks(batcher, keys, stale_ms=stale_ms, sent_many=Script(
            redis, batcher, "sent_many", "clear sent replies"))

    async def pending(self, customer_id: str) -> list[Delivery]:
        raw = await self.redis.hgetall(self.keys.customer(customer_id).outbox)
        items = [DELIVERIES.validate_json(v) for k, v in raw.items()
                 if not OutboxFields.is_mark(k)]
        return sorted(items, key=lambda d: d.id)

    async def add(self, customer_id: str, deliveries: Sequence[Delivery]) -> None:
        """Put messages that no turn produced (scheduled, system) in the outbox."""
        if deliveries:
            await self.redis.hset(self.keys.customer(customer_id).outbox, mapping={
                d.id: dump_delivery(d) for d in deliveries})

    @translates
    async def next(self, customer_id: str) -> SendAnswer:
        """Claim the customer's next reply to send (commit order, one in flight across all
        processes): a ``Delivery``, ``NoSend.WAIT`` while another process sends the one
        before, or ``NoSend.NONE``. From the claim on, it counts as sent; a takeover no
        longer withdraws it."""
        carried = self.acks.carry(customer_id)
        if carried:  # a sent reply is still claimed: cleared first, in the same call
            return await self._clear_and_next(customer_id, carried)
        ck = self.keys.customer(customer_id)
        now = now_ms()
        result = await self._next_send(keys=[ck.outbox, ck.session],
                                       args=[now, self.stale_ms])
        return self.claimed(customer_id, send_answer(result), now)

    @translates
    async def sent(self, customer_id: str, delivery_id: str) -> SendAnswer:
        """A reply is done (sent, or given up): clear it, and claim the next one to send
        in the same round trip."""
        self._claims.pop((customer_id, delivery_id), None)
        self._alone.pop((customer_id, delivery_id), None)
        return await self._clear_and_next(customer_id,
                                          (delivery_id, *self.acks.carry(customer_id)))

    def sent_later(self, customer_id: str, delivery_id: str) -> bool:
        """A reply is sent: when its commit claimed it as its only reply, its
        acknowledgement waits for the customer's next script call (``acks.py``) and this
        answers True: nothing of this process waits behind it (anything newer was claimed
        by a later commit, or is held or enqueued here, and claiming it carries the
        acknowledgement). False: call ``sent``."""
        if (customer_id, delivery_id) not in self._alone:
            return False
        del self._alone[(customer_id, delivery_id)]
        self._claims.pop((customer_id, delivery_id), None)
        self.acks.add(customer_id, delivery_id)
        return True

    async def _clear_and_next(self, customer_id: str, ids: tuple[str, ...]) -> SendAnswer:
        ck = self.keys.customer(customer_id)
        now = now_ms()
        result = await self._sent(keys=[ck.outbox, ck.session],
                                  args=[now, self.stale_ms, *ids])
        self.acks.carried(customer_id, ids)
        return self.claimed(customer_id, send_answer(result), now)

    def claimed(self, customer_id: str, answer: SendAnswer, now: int, *,
                alone: bool = False) -> SendAnswer:
        """Remember a claim the store granted at ``now`` (a commit's, or ours); returns
        ``answer`` as it is. ``alone``: the commit's one reply (see ``sent_later``)."""
        if isinstance(answer, Delivery):
            self._claims[(customer_id, answer.id)] = now
            if len(self._claims) > _SEND_CLAIMS:  # senders that stopped midway
                del self._claims[next(iter(self._claims))]
            if alone:
                self._alone[(customer_id, answer.id)] = None
                if len(self._alone) > _SEND_CLAIMS:
                    del self._alone[next(iter(self._alone))]
        return answer

    @translates
    async def still_sending(self, customer_id: str, delivery_id: str) -> bool:
        """Renew this process's claim on a reply it is still trying to send (waiting out a
        rate limit or a backoff), so no other process takes it over as stale. False when
        the claim is no longer ours: the sender must stop, whoever holds it now sends it."""
        claimed = self._claims.get((customer_id, delivery_id))
        if claimed is None:
            return False
        now = now_ms()
        renewed = await self._renew_send(keys=[self.keys.customer(customer_id).outbox],
                                         args=[delivery_id, claimed, now])
        if renewed:
            self._claims[(customer_id, delivery_id)] = now
        return bool(renewed)

    async def adopt_old_marks(self) -> int:
        """Once per store, at start-up: the send claims of replies in flight when the store
        was last written by a version that kept them in a hash of their own (``sending``)
        are moved into the outbox hash, so none of those replies is claimed again as if
        unclaimed. Returns how many were moved; a store already moved costs one GET.
        Stop the old version's processes first: a claim one of them writes after the move
        is not seen."""
        if await self.redis.get(self.keys.layout) == LAYOUT:
            return 0
        moved = 0
        async for key in self.redis.scan_iter(match=self.keys.sending_pattern, count=500):
            ck = self.keys.customer(self.keys.customer_id_of(
                key.decode() if isinstance(key, bytes) else key))
            moved += int(await self._adopt(keys=[ck.sending, ck.outbox], args=[]))
        await self.redis.set(self.keys.layout, LAYOUT)
        return moved
