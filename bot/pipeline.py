"""The path of one message through the core, the same for polling, webhooks and workers:

    record (dedupe, arrival order) → claim the customer → turn (a chain of stages,
    ``bot/stages.py``) → commit session + events + outbox atomically → dispatch replies

Per-customer order and mutual exclusion come from the store (an inbox list and a lease
per customer, checked on commit), so they hold across processes, not only in this one.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Sequence

from bot.dialogue import DialogueEngine, TurnResult
from bot.dispatch import Dispatcher
from bot.errors import StaleWrite, StoreError
from bot.leases import LeaseKeeper
from bot.messages import Inbound
from bot.metrics import Metrics
from bot.model import BusinessMessage, Delivery, OperatorAction, Session
from bot.stages import (
    CommittedTurn,
    MergeRequest,
    TurnObserver,
    TurnOutcome,
    TurnStage,
    chain,
)
from bot.store.results import Claim, NoSend, Recorded, SendAnswer
from bot.store.store import Store
from bot.store.work import WorkStream
from bot.tasks import TaskTracker

__all__ = ["Pipeline", "TurnObserver", "hashed"]

log = logging.getLogger(__name__)


def hashed(customer_id: str) -> str:
    """A customer id as logs show it: stable, but not the id itself."""
    return hashlib.sha256(f"omnicanal:{customer_id}".encode()).hexdigest()[:12]


class Pipeline:
    """Records inbound messages and runs turns. ``submit`` is the connectors' sink.

    A turn runs ``stages`` in order, then ``engine`` (the dialogue) as the chain's end."""

    def __init__(
        self,
        *,
        store: Store,
        engine: DialogueEngine,
        dispatcher: Dispatcher,
        stages: Sequence[TurnStage] = (),
        metrics: Metrics | None = None,
        observers: Sequence[TurnObserver] = (),
        work: WorkStream | None = None,
    ) -> None:
        self.store = store
        self.engine = engine
        self.dispatcher = dispatcher
        self.metrics = metrics or Metrics()
        self.stages = list(stages)
        self._chain = chain(self.stages, self._dialogue)
        #: Told about every committed turn, in order (see ``TurnObserver``).
        self.observers = list(observers)
        #: Set in a web process: record only, and ring the work stream for a worker.
        self._doorbell = work.doorbell if work is not None else None
        #: Turns run on parked tasks (``TaskTracker.run``): about as many as run at once.
        self.turns = TaskTracker("turns", parked=256)
        self.leases = LeaseKeeper(store, self.turns)

    async def submit(self, messages: Sequence[Inbound]) -> None:
        """Durably record messages and start their turns in the background (or, in a web
        process, ring a worker). Returns once all are recorded and rung; raises
        ``StoreError`` when any could not be (answer 5xx)."""
        for inbound in messages:
            started = time.perf_counter()
            outcome = await self.store.ingest(inbound, doorbell=self._doorbell)
            self.metrics.store.observe("ingest", time.perf_counter() - started)
            channel = inbound.identity.channel
            if isinstance(outcome, Recorded) and outcome.status == "duplicate":
                self.metrics.duplicates.inc((channel,))
            else:
                self.metrics.received.inc((channel,))
            self._start(outcome)

    async def act(self, customer_id: str, action: OperatorAction) -> None:
        """Queue an operator's action behind what the customer said; returns once it is
        recorded (its outcome arrives through the handoff queue's results)."""
        self._start(await self.store.enqueue_action(customer_id, action,
                                                    doorbell=self._doorbell))

    async def enqueue_business(self, customer_id: str, item: BusinessMessage) -> bool:
        """Queue a business message (a notification, a due reminder) behind what the
        customer said; False when that id was queued before (nothing happens again)."""
        outcome = await self.store.enqueue_business(customer_id, item,
                                                    doorbell=self._doorbell)
        self._start(outcome)
        return not (isinstance(outcome, Recorded) and outcome.status == "duplicate")

    def _start(self, outcome: Claim | Recorded) -> None:
        """Run the claimed customer's turns here. A web process never claims: its store
        rang a worker while recording (if that ring fails, StoreError makes the webhook
        answer 5xx, and the redelivery, a duplicate, rings again)."""
        if isinstance(outcome, Claim):
            self.turns.run(self.drain(outcome))

    async def resend_pending(self, customer_id: str) -> None:
        """Send what a crashed process committed but may not have sent (at least once:
        the idempotency key lets a platform or client drop a second copy)."""
        self.dispatcher.enqueue(customer_id)

    async def drain(self, claim: Claim | None) -> None:
        """Run turns for one customer while messages wait and we hold their lease, then
        send the last turn's replies from this task (earlier turns' replies go out
        alongside the turns that follow them)."""
        while claim is not None:
            self.leases.hold(claim)
            try:
                following, send = await self._turn(claim)
            finally:
                self.leases.release(claim)
            if send is not None:
                await self.dispatcher.send_here(claim.customer_id, send)
            claim = following

    async def _turn(self, claim: Claim) -> tuple[Claim | None, SendAnswer | None]:
        """Run and commit one turn: the claim for the customer's next waiting item, and
        when this was the last one and it had replies, the first of them (claimed with
        the commit) for the caller to send. One coroutine for the turn's run, its commit
        and what follows: a frame of its own for the commit cost the hot path a coroutine
        a message (issue 22)."""
        started = time.perf_counter()
        before = claim.session.standing  # what the observers compare with
        outcome = await self._chain(claim)
        if isinstance(outcome, MergeRequest):
            return await self._merge(claim, outcome), None
        address = outcome.session.address or claim.session.address
        prefix = f"{claim.version + 1:012d}"
        deliveries = [
            Delivery(id=f"{prefix}.{i:03d}", customer_id=claim.customer_id, to=address,
                     message=reply, origin=outcome.origin)
            for i, reply in enumerate(outcome.replies)
        ] if address is not None else []
        committing = time.perf_counter()
        try:
            committed = await self.store.commit(claim, session=outcome.session,
                                                profile=outcome.profile,
                                                events=outcome.events, outbox=deliveries)
        except StaleWrite as exc:
            self.metrics.stale.inc()
            log.warning("%s", exc)
            return None, None
        except StoreError:
            # Nothing was written; the lease expires and the turn runs again (a worker
            # does not acknowledge its doorbell, recovery or the next message resumes it).
            log.error("commit failed; the turn will run again")
            raise
        self.metrics.store.observe("commit", time.perf_counter() - committing)
        if deliveries and committed.next is not None:  # out alongside the turns that follow
            self.dispatcher.enqueue(claim.customer_id, committed.send)
        if self.observers:
            turn = CommittedTurn(claim.customer_id, before, outcome, claim.item,
                                 claim.version + 1)
            for observer in self.observers:
                pending = observer.turn_committed(turn)
                if pending is not None:
                    await pending
        kind = "operator" if isinstance(claim.item, OperatorAction) else "message"
        seconds = time.perf_counter() - started
        self.metrics.turns.observe(kind, seconds)
        if log.isEnabledFor(logging.INFO):
            self._log_turn(kind, claim, outcome, seconds)
        if committed.next is not None:
            return committed.next, None  # it carries the session on
        self.store.keep(claim.customer_id, committed, outcome.session, outcome.profile)
        send = committed.send
        return None, None if send is NoSend.NONE else send

    def _dialogue(self, claim: Claim) -> Awaitable[TurnOutcome]:
        """The chain's end: the customer's message, answered by the flows (a plain call
        returning the engine's coroutine: no frame of its own on the hot path)."""
        inbound = claim.item
        if not isinstance(inbound, Inbound):
            raise StoreError("an operator action arrived but handoff is disabled")
        return self.engine.handle(customer_id=claim.customer_id, session=claim.session,
                                  profile=claim.profile, inbound=inbound,
                                  saved=claim.saved_session)

    def _log_turn(self, kind: str, claim: Claim, result: TurnResult,
                  seconds: float) -> None:
        frame = result.session.frame
        address = result.session.address
        # The customer id is hashed: logs identify a conversation, not a person.
        fields = {"channel": address.channel if address else None,
                  "customer": hashed(claim.customer_id),
                  "flow": frame.flow if frame else None,
                  "step": frame.step if frame else None,
                  "ms": round(seconds * 1000, 2)}
        log.info("turn %s channel=%s customer=%s flow=%s step=%s mode=%s %.1fms", kind,
                 fields["channel"], fields["customer"], fields["flow"], fields["step"],
                 result.session.mode, fields["ms"], extra=fields)

    async def _merge(self, claim: Claim, request: MergeRequest) -> Claim | None:
        """The customer confirmed a link: commit the merge through the store (this
        customer joins the target, greeted on this channel), then go on with the target's
        waiting messages."""
        try:
            await self.store.merge(claim.customer_id, request.target,
                                   address=claim.inbound.identity, events=request.events,
                                   greet=request.greet)
        except StoreError as exc:
            log.error("merge failed; the confirmation will be processed again: %s", exc)
            return None
        try:
            following = (await self.store.commit(claim, session=Session(), profile=None,
                                                 events=[], outbox=[])).next
        except StoreError as exc:
            log.warning("after merging, the source's turn did not commit: %s", exc)
            following = None
        self.metrics.links.labels(request.method).inc()
        self.metrics.merges.inc()
        for observer in self.observers:
            merged = getattr(observer, "customers_merged", None)
            if merged is not None:  # views kept per customer (the search index)
                await merged(claim.customer_id, request.target)
        self.dispatcher.enqueue(request.target)
        self.turns.spawn(self._resume(request.target), name=f"resume:{request.target}")
        return following

    async def recover(self) -> int:
        """Resume what a previous run left: waiting inbound messages and unsent replies.
        Returns how many customers were resumed."""
        resumed = 0
        async for customer_id in self.store.customers_matching(self.store.keys.outbox_pattern):
            self.dispatcher.enqueue(customer_id)
        async for customer_id in self.store.customers_matching(self.store.keys.inbox_pattern):
            resumed += 1
            self.turns.spawn(self._resume(customer_id), name=f"resume:{customer_id}")
        return resumed

    async def _resume(self, customer_id: str) -> None:
        try:
            await self._resume_once(customer_id)
        except StoreError as exc:
            log.warning("resuming a customer failed (the next sweep retries): %s", exc)

    async def _resume_once(self, customer_id: str) -> None:
        for _attempt in range(10):
            outcome = await self.store.claim(customer_id)
            if outcome is None:
                return
            if isinstance(outcome, Claim):
                await self.drain(outcome)
                return
            # A lease from a previous life of this process (or another process) holds it.
            await asyncio.sleep(min(outcome + 0.05, self.store.lease_ms / 1000))

    async def close(self, timeout: float) -> None:
        await self.turns.drain(timeout)
        self.leases.close()
