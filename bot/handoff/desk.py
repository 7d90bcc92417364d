"""The handoff state machine, one per conversation:

    bot ──request──> queued ──take──> human ──handback / resolve──> bot
     └──────take (proactive, supervisors)──┘  └──transfer──> human (another operator)
    queued ──timeout──> bot         bot ──reopen (a resolved one)──> human

A plain operator may take only a queued conversation (or one already theirs): taking is
how a conversation's history becomes visible to them. Takes and transfers reserve a place
in the operator's held set atomically (``HandoffQueue.reserve``), so capacity holds
however many arrive at once.

Every transition happens inside the customer's turn, queued in their inbox behind what
they said, so it is atomic with the conversation: a message recorded after a takeover
is never answered by the bot, and a bot reply not yet sent when a takeover commits is
withdrawn (see bot/store/lua/commit.lua).
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.analytics.recorder import SATISFACTION_FLOW
from bot.config.handoff import HandoffSettings, OperatorAccount
from bot.dialogue import DialogueEngine, TurnResult
from bot.errors import StoreError
from bot.handoff.assignment import choose, preference
from bot.handoff.hours import describe, is_open
from bot.handoff.profile_edits import apply_changes
from bot.handoff.sla import Target, missed_on_reply, missed_on_take
from bot.history import inbound_event, outbound_event
from bot.messages import Outbound, Text
from bot.model import Event, EventKind, HandoffInfo, OperatorAction, Session
from bot.store.handoff import HandoffQueue
from bot.store.results import Claim

log = logging.getLogger(__name__)

#: The author of what the desk says by itself ("Ana from our team is here to help."):
#: the console shows it as a system line, not as typed by the operator.
SYSTEM = "system"

#: Queues an operator action for a customer (``Pipeline.act``).
Acting = Callable[[str, OperatorAction], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an operator action came to, for the operator who sent it."""

    ok: bool
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, **({"error": self.error} if self.error else {})}


class HandoffDesk:
    def __init__(self, *, settings: HandoffSettings, queue: HandoffQueue,
                 engine: DialogueEngine, operators: list[OperatorAccount] | None = None) -> None:
        self.settings = settings
        self.queue = queue
        self.engine = engine
        #: The accounts in force: config.yaml's, or the generated admin when none is set.
        self.operators = {o.id: o for o in (operators if operators is not None
                                            else settings.operators)}

    def operator(self, operator_id: str | None) -> OperatorAccount | None:
        return self.operators.get(operator_id or "")

    # -- from the bot's side --------------------------------------------------------------

    def wants_person(self, result: TurnResult) -> str | None:
        """Why this bot turn should go to a person, if it should."""
        if result.session.mode != "bot":
            return None
        if result.handoff:
            return result.handoff
        limit = self.settings.misunderstood_limit
        if limit and result.session.misunderstood >= limit:
            return f"the assistant did not understand {limit} messages in a row"
        return None

    async def request(self, claim: Claim, result: TurnResult, reason: str) -> TurnResult:
        """Queue the conversation and tell the customer where they stand."""
        session, now = result.session, time.time()
        locale = self.engine.locale_of(result.profile, claim.inbound)
        if result.handoff is None:  # the bot gave up, rather than the customer asking
            _say(result, self._t(locale, "handoff.misunderstood"))
        session.mode, session.misunderstood = "queued", 0
        session.handoff = HandoffInfo(reason=reason, requested_at=now)
        _say(result, await self._queued_text(locale, now))
        result.events.append(_event(session, "handoff", "waiting for a person", state="queued",
                                    reason=reason))
        return result

    async def _queued_text(self, locale: str, now: float) -> str:
        if not is_open(self.settings.hours, datetime.fromtimestamp(now, UTC)):
            return self._t(locale, "handoff.closed", hours=describe(self.settings.hours))
        online = await self.queue.online()
        if not online:
            return self._t(locale, "handoff.nobody")
        position = await self.queue.ahead_of(HandoffQueue.score(now, 0)) + 1
        minutes = await self.queue.expected_wait_minutes(position, len(online))
        return self._t(locale, "handoff.queued", position=position, minutes=minutes)

    async def customer_writes(self, claim: Claim) -> TurnResult:
        """A message while a person has (or will have) the conversation: recorded for them;
        the bot says nothing."""
        inbound = claim.inbound
        session = claim.session  # the turn's own, changed in place (no copy to pay for)
        events = [inbound_event(inbound)]
        if session.address is not None and session.address != inbound.identity \
                and session.address not in inbound.aliases:
            events.append(Event(kind="channel_switch", channel=inbound.identity.channel,
                                identity=inbound.identity.key,
                                data={"from": session.address.key, "to": inbound.identity.key}))
        session.address = inbound.identity
        return TurnResult(session, claim.profile, events, [])

    # -- from the operators' side ---------------------------------------------------------

    async def apply(self, claim: Claim, action: OperatorAction) -> tuple[TurnResult, Outcome]:
        session = claim.session  # the turn's own, changed in place (no copy to pay for)
        result = TurnResult(session, claim.profile, [], [], origin="operator")
        locale = self.engine.locale_of(claim.profile)
        holder = session.operator
        name = self._name(action.operator)
        kind = action.action
        author = f"operator:{action.operator}"
        if kind in ("reply", "handback", "resolve", "transfer") and session.mode == "human" \
                and holder != action.operator and not self._supervisor(action.operator):
            return result, Outcome(False, f"the conversation is with {self._name(holder)}")
        if kind == "take":
            if session.mode == "human" and holder not in (None, action.operator):
                return result, Outcome(False, f"already with {self._name(holder)}")
            if session.mode == "human" and holder == action.operator:
                # Theirs already (a double click, a second automatic assignment): taking
                # it again said "joined" twice and counted a second take.
                return result, Outcome(True)
            if not self._supervisor(action.operator) and session.mode != "queued" \
                    and holder != action.operator:
                return result, Outcome(False, "only queued conversations can be taken")
            full = await self._full(action.operator, claim.customer_id, "you")
            if full is not None:
                return result, full
            # Taken from the bot, never queued (a supervisor's proactive take): the report
            # counts it as asked for too, so it never shows more taken than requested.
            direct = {"direct": True} if session.mode == "bot" else {}
            now = time.time()
            # Proactive (nobody asked): no target's clock runs for it.
            info = session.handoff or HandoffInfo(reason=f"taken over by {name}",
                                                  requested_at=now, first_reply_at=now)
            late = _missed(missed_on_take(self.settings.sla, session, now))
            session.handoff = info.model_copy(update={"taken_at": now})
            session.mode, session.operator = "human", action.operator
            # An automatic assignment's note says how the operator was chosen.
            how = {"assignment": action.text} if action.text else {}
            took = f"{name} took the conversation" + (f" ({action.text})" if how else "")
            result.events.append(_event(session, "handoff", took, state="taken",
                                        operator=action.operator, **direct, **how, **late))
            _say(result, self._t(locale, "handoff.joined", name=name), SYSTEM)
        elif kind == "profile":
            profile, event = apply_changes(claim.profile, action.changes or {},
                                           operator=action.operator,
                                           channel=session.address.channel
                                           if session.address else None)
            result.profile = profile
            if event is not None:
                result.events.append(event)
        elif kind == "reopen":
            return await self._reopen(claim, session, action, result)
        elif kind == "reply":
            if session.mode != "human":
                return result, Outcome(False, "take the conversation before replying")
            _say(result, Text(text=(action.text or "").strip(), author=name), author)
            self._first_reply(session, result.events[-1])
        elif kind == "note":
            result.events.append(_event(session, "note", action.text or "", author=author))
        elif kind == "transfer":
            target = self.operator(action.target or "")
            if target is None:
                return result, Outcome(False, f"no operator {action.target!r}")
            full = await self._full(target.id, claim.customer_id, target.display_name,
                                    even_supervisors=True)
            if full is not None:
                return result, full
            session.mode, session.operator = "human", target.id
            result.events.append(_event(session, "handoff", f"{name} passed it to "
                                        f"{target.display_name}", state="transferred",
                                        operator=target.id))
            _say(result, self._t(locale, "handoff.transferred", name=target.display_name),
                 SYSTEM)
        elif kind == "resolve" and session.mode == "bot":
            # Handed back already: filed as resolved, the customer is not told twice.
            result.events.append(_event(session, "handoff", f"{name} marked it resolved",
                                        state="resolve", operator=action.operator))
        elif kind in ("handback", "resolve", "timeout"):
            if kind == "timeout" and session.mode != "queued":
                return result, Outcome(True)  # taken meanwhile: nothing to time out
            result = await self._back_to_bot(claim, session, action, locale)
        return result, Outcome(True)

    async def _reopen(self, claim: Claim, session: Session, action: OperatorAction,
                      result: TurnResult) -> tuple[TurnResult, Outcome]:
        """Take a conversation back from the bot (the API checks it was the operator's,
        or that a supervisor asks)."""
        if session.mode != "bot":
            return result, Outcome(False, "it is not resolved: take it from the queue")
        full = await self._full(action.operator, claim.customer_id, "you")
        if full is not None:
            return result, full
        name, now = self._name(action.operator), time.time()
        session.handoff = HandoffInfo(reason=f"reopened by {name}", requested_at=now,
                                      taken_at=now, first_reply_at=now)
        session.mode, session.operator = "human", action.operator
        result.events.append(_event(session, "handoff", f"{name} reopened the conversation",
                                    state="reopened", operator=action.operator))
        _say(result, self._t(self.engine.locale_of(claim.profile), "handoff.joined",
                             name=name), SYSTEM)
        return result, Outcome(True)

    async def _full(self, operator_id: str, customer_id: str, who: str, *,
                    even_supervisors: bool = False) -> Outcome | None:
        """Reserve the conversation in the operator's workload, or say why not. A turn that
        reserves and then fails to commit is retried with the same action, which finds its
        reservation; one that ends up refused gives it back (``_update_views``)."""
        account = self.operator(operator_id)
        if account is None or (account.role == "supervisor" and not even_supervisors):
            return None
        if await self.queue.reserve(operator_id, customer_id, account.capacity):
            return None
        verb = "hold" if who == "you" else "holds"
        return Outcome(False, f"{who} already {verb} {account.capacity} conversations "
                       f"(the capacity is {account.capacity})")

    async def _back_to_bot(self, claim: Claim, session: Session, action: OperatorAction,
                           locale: str) -> TurnResult:
        key = {"handback": "handoff.back_to_bot", "resolve": "handoff.resolved",
               "timeout": "handoff.timeout"}[action.action]
        taken_at = session.handoff.taken_at if session.handoff else None
        late = _missed(missed_on_take(self.settings.sla, session, time.time())) \
            if action.action == "timeout" else {}
        session.mode, session.operator, session.handoff = "bot", None, None
        origin: Any = "system" if action.action == "timeout" else "operator"
        handled = {"handled_seconds": round(time.time() - taken_at, 1)} if taken_at else {}
        result = TurnResult(session, claim.profile, [
            _event(session, "handoff", key.split(".")[1].replace("_", " "),
                   state=action.action, operator=action.operator, **handled, **late)], [],
            origin=origin)
        _say(result, self._t(locale, key))
        flow = action.flow
        if action.action == "resolve" and self.settings.satisfaction \
                and SATISFACTION_FLOW in self.engine.flows:
            flow = SATISFACTION_FLOW
        if flow and session.address is not None:
            started = await self.engine.start_flow(
                customer_id=claim.customer_id, session=session, profile=claim.profile,
                flow=flow, identity=session.address)
            started.replies[:0] = result.replies
            started.events[:0] = result.events
            started.origin = origin
            return started
        if action.action != "resolve":
            pending = self.engine.reprompt(session, locale)
            if pending is not None:
                _say(result, pending)
        return result

    async def assign(self, customer_id: str, *, act: Acting, labels: Iterable[str] = (),
                     channel: str | None = None) -> bool:
        """Give a queued conversation to an operator online with room: by the assignment
        rules (``bot/handoff/assignment.py``), else the least busy."""
        online = [a for o in sorted(await self.queue.online()) if (a := self.operator(o))]
        wanted = preference(self.settings.assignment_rules, self.operators.values(),
                            labels=labels, channel=channel)
        chosen = await choose(self.queue, customer_id, online, wanted=wanted)
        if chosen is None:
            return False
        log.info("conversation %s %s: %s", customer_id, chosen.note, chosen.operator)
        try:
            await act(customer_id, OperatorAction(id=f"auto-{uuid.uuid4().hex}",
                                                  operator=chosen.operator, action="take",
                                                  text=chosen.note))
        except StoreError:
            # Not queued: give the place back (a refused take gives it back by itself).
            with contextlib.suppress(StoreError):
                await self.queue.drop(chosen.operator, customer_id)
            raise
        return True

    # -- helpers --------------------------------------------------------------------------

    def _first_reply(self, session: Session, event: Event) -> None:
        """Stop the first-response clock at the operator's first reply, noting it on the
        reply's history event when the target was missed."""
        if session.handoff is None or session.handoff.first_reply_at is not None:
            return
        now = time.time()
        event.data.update(_missed(missed_on_reply(self.settings.sla, session, now)))
        session.handoff = session.handoff.model_copy(update={"first_reply_at": now})

    def _t(self, locale: str, key: str, /, **values: object) -> str:
        return self.engine.texts.get(locale, key, **values)

    def _name(self, operator_id: str | None) -> str:
        account = self.operator(operator_id or "")
        return account.display_name if account else (operator_id or "someone")

    def _supervisor(self, operator_id: str) -> bool:
        account = self.operator(operator_id)
        return account is not None and account.role == "supervisor"


def _event(session: Session, kind: EventKind, text: str, **data: Any) -> Event:
    address = session.address
    return Event(kind=kind, channel=address.channel if address else None, text=text, data=data)


def _missed(targets: list[Target]) -> dict[str, Any]:
    return {"sla_missed": list(targets)} if targets else {}


def _say(result: TurnResult, message: str | Outbound, author: str | None = None) -> None:
    """Add a reply to the customer's current address, and its history event."""
    reply = Text(text=message) if isinstance(message, str) else message
    result.replies.append(reply)
    result.events.append(outbound_event(reply, result.session.address, author=author))

