"""Reminders from flows: "if no answer in 24 h, remind them about the return".

A step calls ``turn.remind_in(hours=23, text_key="returns.reminder")``. This module:
- ``ReminderStage`` (a link of the turn chain, before the handoff stage): when the
  customer writes, their pending reminders are cancelled (they wrote first); reminders a
  turn scheduled are kept in the session (committed with the turn) and put in the due
  index first (``bot/store/reminders.py``); a due reminder's turn sends it, in the
  customer's language and on their current channel, then the flow's pending question
  again. Each change is a ``reminder`` history event the operators see.
- ``ReminderClock``: every ``reminders.poll_seconds``, in each process that runs turns,
  claims what is due (atomically: one process gets each) and queues it in the customer's
  inbox, once per reminder (the inbox's dedupe marks), so a reminder is sent once by
  whichever process is free, after restarts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.channels.capabilities import Capabilities
from bot.dialogue.engine import DialogueEngine, TurnResult
from bot.dialogue.texts import Texts
from bot.errors import StoreError
from bot.history import outbound_event
from bot.messages import Inbound, Outbound, Text
from bot.model import BusinessMessage, Event, Reminder, Session
from bot.stages import Next, TurnOutcome
from bot.store.reminders import ReminderIndex
from bot.store.results import Claim
from bot.store.store import Store

log = logging.getLogger(__name__)


def _event(session: Session, text: str, reminder: Reminder, state: str) -> Event:
    return Event(kind="reminder", channel=session.address.channel if session.address
                 else None, text=text, data={"reminder": reminder.id, "state": state,
                                             "flow": reminder.flow, "due": reminder.due})


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


class ReminderStage:
    def __init__(self, *, store: Store, index: ReminderIndex, engine: DialogueEngine,
                 channels: dict[str, Capabilities]) -> None:
        self.store = store
        self.index = index
        self.engine = engine
        self.channels = channels
        self._texts: dict[str, Texts] = {}

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        if isinstance(item, BusinessMessage) and item.action == "remind":
            return await self._due(claim, item)
        pending = [r.id for r in claim.session.reminders] if isinstance(item, Inbound) \
            else []
        answered = await next(claim)
        if not isinstance(answered, TurnResult):
            return answered
        if pending:
            await self._cancel(claim.customer_id, answered, set(pending))
        if answered.reminders:
            await self._schedule(claim.customer_id, answered)
        return answered

    async def _cancel(self, customer_id: str, result: TurnResult, ids: set[str]) -> None:
        session = result.session
        cancelled = [r for r in session.reminders if r.id in ids]
        session.reminders = [r for r in session.reminders if r.id not in ids]
        for reminder in cancelled:
            result.events.append(_event(session, "reminder cancelled: the customer wrote "
                                        "first", reminder, "cancelled"))
            with contextlib.suppress(StoreError):  # its turn would find nothing anyway
                await self.index.done(customer_id, reminder.id)

    async def _schedule(self, customer_id: str, result: TurnResult) -> None:
        """Index first, then the turn commits the session that holds them."""
        for reminder in result.reminders:
            await self.index.schedule(customer_id, reminder.id, reminder.due)
            result.session.reminders.append(reminder)
            result.events.append(_event(result.session, f"reminder scheduled for "
                                        f"{_when(reminder.due)}", reminder, "scheduled"))
        result.reminders = []

    async def _due(self, claim: Claim, item: BusinessMessage) -> TurnResult:
        session, profile = claim.session, claim.profile
        reminder = next((r for r in session.reminders if r.id == item.ref), None)
        if reminder is None:  # cancelled, or sent already
            return TurnResult(session, profile, [], [], origin="system")
        session.reminders = [r for r in session.reminders if r.id != reminder.id]
        refused = await self._refusal(claim)
        if refused is not None:
            return TurnResult(session, profile, [_event(
                session, f"reminder not sent: {refused}", reminder, "not_sent")], [],
                origin="system")
        locale = self.engine.locale_of(profile)
        replies: list[Outbound] = [Text(text=self._flow_texts(reminder.flow).get(
            locale, reminder.text_key, **reminder.values))]
        frame = session.frame
        again = self.engine.reprompt(session, locale) if reminder.reprompt and frame \
            is not None and frame.flow == reminder.flow else None
        if again is not None:
            replies.append(again)
        events = [_event(session, "reminder sent", reminder, "sent")]
        events.extend(outbound_event(reply, session.address) for reply in replies)
        return TurnResult(session, profile, events, replies, origin="system")

    async def _refusal(self, claim: Claim) -> str | None:
        """Why the reminder cannot go out now, or None."""
        session = claim.session
        to = session.address
        if to is None:
            return "the customer has no channel"
        if session.mode != "bot":
            return "a person has the conversation"
        caps = self.channels.get(to.channel)
        if caps is None:
            return f"{to.channel} is not enabled"
        if to.key in await self.store.unreachable_reasons(claim.customer_id):
            return f"the customer cannot be reached on {to.channel}"
        if caps.window_hours is not None:
            last = (await self.store.last_inbound(claim.customer_id)).get(to.key)
            if last is None or time.time() - last >= caps.window_hours * 3600:
                return f"{to.channel}'s {caps.window_hours:g}-hour window has closed"
        return None

    def _flow_texts(self, flow_name: str) -> Texts:
        texts = self._texts.get(flow_name)
        if texts is None:
            flow = self.engine.flows.get(flow_name)
            base = self.engine.texts
            texts = self._texts[flow_name] = base.merged(flow.texts) if flow is not None \
                and flow.texts else base
        return texts


Enqueue = Callable[[str, BusinessMessage], Awaitable[bool]]


class ReminderClock:
    """Wakes due reminders: claims them and queues each in its customer's inbox."""

    def __init__(self, index: ReminderIndex, *, enqueue: Enqueue, poll_seconds: float,
                 claim_seconds: float) -> None:
        self.index = index
        self.enqueue = enqueue
        self.poll_seconds = poll_seconds
        self.claim_seconds = claim_seconds

    async def tick(self) -> int:
        """Queue what is due now; how many were claimed."""
        due = await self.index.claim(claim_seconds=self.claim_seconds)
        for customer_id, reminder_id in due:
            await self.enqueue(customer_id, BusinessMessage(
                id=f"remind:{reminder_id}", action="remind", ref=reminder_id))
            await self.index.done(customer_id, reminder_id)
        return len(due)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.tick()
            except StoreError as exc:  # the loop's boundary: what was claimed comes due again
                log.warning("waking reminders failed (they are retried): %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_seconds)
