"""The handoff desk as the first link of the turn chain, and as an observer of committed
turns (the shared views it keeps: the queue, workloads, action results, live consoles).

As a stage: an operator's action is applied by the desk (nothing else in the chain sees
it); a message while a person has (or will have) the conversation is recorded for them
and the bot says nothing; otherwise the rest of the chain answers, and a result that
asks for a person (or that did not understand too often) is queued for one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable

from bot.dialogue import TurnResult
from bot.errors import StoreError
from bot.handoff.desk import Acting, HandoffDesk, Outcome
from bot.model import OperatorAction, Session, Standing
from bot.stages import CommittedTurn, Next, TurnOutcome
from bot.store.handoff import Intent
from bot.store.results import Claim

log = logging.getLogger(__name__)


class HandoffStage:
    """``desk``'s part in each turn; ``act`` queues an operator action (automatic
    assignment uses it once a conversation is queued)."""

    def __init__(self, desk: HandoffDesk, *, act: Acting) -> None:
        self.desk = desk
        self.act = act
        #: Outcomes of the actions applied in turns not yet committed, by action id: told
        #: to the operator who sent it once the turn is (a retried turn replaces its own).
        self._outcomes: dict[str, Outcome] = {}
        #: The intent of each turn that queues a customer, settled once the queue has them.
        self._intents: dict[str, Intent] = {}

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        if isinstance(item, OperatorAction):
            result, outcome = await self.desk.apply(claim, item)
            self._outcomes[item.id] = outcome
            return result
        if claim.session.mode != "bot":
            return await self.desk.customer_writes(claim)
        answered = await next(claim)
        if isinstance(answered, TurnResult):
            reason = self.desk.wants_person(answered)
            if reason is not None:
                queued = await self.desk.request(claim, answered, reason)
                # Before the commit: where the repair looks if the queue's write, after
                # it, is lost (``bot/handoff/queue_repair.py``).
                intent = Intent(claim.customer_id, claim.token)
                await self.desk.queue.intend(intent)
                self._intents[claim.customer_id] = intent
                return queued
        return answered

    # -- observing committed turns --------------------------------------------------------

    def turn_committed(self, turn: CommittedTurn) -> Awaitable[None] | None:
        """Nothing to do (no coroutine) for a bot turn that stayed a bot turn."""
        action = turn.item if isinstance(turn.item, OperatorAction) else None
        before, after = turn.before, turn.result.session
        if action is None and before.mode == "bot" and after.mode == "bot" \
                and before.operator == after.operator:
            return None
        outcome = self._outcomes.pop(action.id, None) if action is not None else None
        intent = self._intents.pop(turn.customer_id, None)
        return self._after_commit(turn.customer_id, before, after, action, outcome,
                                  labels=turn.result.profile.tags, intent=intent)

    async def _after_commit(self, customer_id: str, before: Standing, after: Session,
                            action: OperatorAction | None, outcome: Outcome | None, *,
                            labels: list[str], intent: Intent | None = None) -> None:
        """Bring the shared views up to date, publish the action's outcome, and assign the
        conversation when assignment is automatic. The session is already committed: a
        failure here is logged, never undone."""
        try:
            await self._update_views(customer_id, before, after, action, outcome)
            if intent is not None:
                await self.desk.queue.settle(intent)  # only once the queue has them
            if after.mode == "queued" and self.desk.settings.assignment == "auto":
                await self.desk.assign(customer_id, act=self.act, labels=labels,
                                       channel=after.address.channel if after.address
                                       else None)
        except StoreError as exc:
            log.warning("handoff bookkeeping for %s failed: %s", customer_id, exc)

    async def _update_views(self, customer_id: str, before: Standing, after: Session,
                            action: OperatorAction | None, outcome: Outcome | None) -> None:
        queue = self.desk.queue
        queue_changed = False
        if after.mode == "queued" and before.mode != "queued" and after.handoff is not None:
            await queue.add(customer_id, requested_at=after.handoff.requested_at,
                            priority=after.handoff.priority)
            queue_changed = True
        if before.mode == "queued" and after.mode != "queued":
            await queue.remove(customer_id)
            queue_changed = True
        if before.operator and before.operator != after.operator:
            await queue.drop(before.operator, customer_id)
        if after.mode == "human" and after.operator and after.operator != before.operator:
            await queue.hold(after.operator, customer_id)
        if before.mode == "human" and after.mode == "bot" and before.handoff is not None \
                and before.handoff.taken_at is not None:
            await queue.record_handling(time.time() - before.handoff.taken_at)
        if action is not None and outcome is not None:
            if not outcome.ok and action.action in ("take", "transfer"):
                reserved = action.target if action.action == "transfer" else action.operator
                if reserved and reserved != after.operator:
                    await queue.drop(reserved, customer_id)
            await queue.put_result(action.id, outcome.as_dict())
        if queue_changed:
            await queue.publish({"type": "queue"})
        if action is not None or before.mode != "bot" or after.mode != "bot":
            # Who may hear of it: the live hub tells plain operators only of queued
            # conversations and their own.
            await queue.publish({
                "type": "conversation", "customer_id": customer_id,
                "queued": "queued" in (before.mode, after.mode),
                "operators": sorted({o for o in (before.operator, after.operator) if o})})
