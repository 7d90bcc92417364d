"""Notifications: the business sends one customer one of its templates ("order A1002
shipped"), on the channel the customer uses now, within that channel's rules.

Two halves:
- ``Notifier`` answers the API call: finds the customer (404, no side effect), checks that
  they can be reached now (409 with the reason) and that the values fill the template
  (422), and queues the notification in the customer's inbox, once per caller's
  ``Idempotency-Key``: the key's first request is remembered with its answer (a second
  call with it gets that answer; with another request, 422), and the inbox's dedupe marks
  record the notification once however many calls race (the same id each time).
- ``BusinessStage``, a link of the turn chain, sends it in the customer's turn: decided
  again (the customer may have moved, blocked us or said STOP meanwhile), written to the
  history and the outbox in the turn's commit; the dispatcher sends it like any reply,
  with an idempotency key reused by every retry. It also applies consent decisions given
  through the API (the consent stage writes their history event).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.channels.capabilities import Capabilities
from bot.config.reaching import ConsentSettings, NotificationSettings
from bot.consent.ledger import decide
from bot.dialogue.engine import TurnResult
from bot.handoff.profile_edits import apply_changes
from bot.history import outbound_event
from bot.model import BusinessMessage, Event, Profile, Session
from bot.phones import to_e164
from bot.reaching.delivery import Planned, Reach, Refused, missing_values, plan
from bot.stages import Next, TurnOutcome
from bot.store.directory import CustomerDirectory, Remembered
from bot.store.results import Claim
from bot.store.store import Store


class Recipient(BaseModel):
    """Exactly one way to name the customer."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    customer_id: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, min_length=1, max_length=32)
    email: str | None = Field(default=None, min_length=3, max_length=254)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one(self) -> Recipient:
        given = [v for v in (self.customer_id, self.phone, self.email, self.external_id)
                 if v is not None]
        if len(given) != 1:
            raise ValueError("name the customer by exactly one of customer_id, phone, "
                             "email, external_id")
        return self


class NotificationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    template: str = Field(min_length=1, max_length=100)
    to: Recipient
    values: dict[str, str | int | float] = Field(default_factory=dict, max_length=50)
    #: The language to send it in; unset: the customer's.
    locale: str | None = Field(default=None, max_length=20)

    def text_values(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.values.items()}


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]


def _error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"error": code, "message": message})


@dataclass(frozen=True, slots=True)
class Reaching:
    """What deciding a delivery needs from the runtime's configuration."""

    notifications: NotificationSettings
    consent: ConsentSettings
    channels: Mapping[str, Capabilities]
    #: (channel, account) of every enabled channel.
    accounts: Sequence[tuple[str, str]]
    default_locale: str


async def reach_of(store: Store, reaching: Reaching, customer_id: str, session: Session,
                   profile: Profile) -> Reach:
    return Reach(address=session.address, consents=profile.consents,
                 unreachable=await store.unreachable_reasons(customer_id),
                 last_inbound=await store.last_inbound(customer_id),
                 channels=reaching.channels, consent_defaults=reaching.consent.defaults)


class Notifier:
    """The API's side of notifications (``POST /api/v1/notifications``)."""

    def __init__(self, *, store: Store, directory: CustomerDirectory, reaching: Reaching,
                 enqueue: Any, idempotency_seconds: int) -> None:
        self.store = store
        self.directory = directory
        self.reaching = reaching
        #: ``Pipeline.enqueue_business``.
        self.enqueue = enqueue
        self.idempotency_seconds = idempotency_seconds

    async def find(self, to: Recipient) -> str | None:
        if to.customer_id is not None:
            return to.customer_id if await self.directory.exists(to.customer_id) else None
        if to.phone is not None:
            e164 = to_e164(to.phone)
            return await self.directory.by_phone(e164) if e164 else None
        if to.email is not None:
            return await self.directory.by_email(to.email, self.reaching.accounts)
        assert to.external_id is not None
        return await self.directory.by_external_id(to.external_id)

    async def send(self, caller: str, idempotency_key: str,
                   request: NotificationRequest) -> Answer:
        fingerprint = hashlib.sha256(json.dumps(request.model_dump(), sort_keys=True)
                                     .encode()).hexdigest()
        key_hash = hashlib.sha256(f"{caller}\0{idempotency_key}".encode()).hexdigest()
        kept = await self.directory.recall(caller, key_hash)
        if kept is not None:
            return await self._replay(kept, fingerprint)
        template = self.reaching.notifications.templates.get(request.template)
        if template is None:
            known = ", ".join(sorted(self.reaching.notifications.templates)) or "none"
            return _error(422, "unknown_template", f"no template {request.template!r} "
                          f"under notifications.templates (known: {known})")
        values = request.text_values()
        missing = missing_values(template, values)
        if missing:
            return _error(422, "missing_values", f"template {request.template!r} needs "
                          f"values for: {', '.join(missing)}")
        customer_id = await self.find(request.to)
        if customer_id is None:
            return _error(404, "unknown_customer", "no customer is known by that "
                          f"{next(k for k, v in request.to.model_dump().items() if v)}")
        session, profile = await self.store.load(customer_id)
        decided = plan(request.template, template, values, request.locale or profile.locale,
                       self.reaching.default_locale,
                       await reach_of(self.store, self.reaching, customer_id, session, profile))
        if isinstance(decided, Refused):
            return _error(409, "unreachable", decided.reason)
        item = BusinessMessage(id=f"n_{key_hash[:32]}", action="notify",
                               template=request.template, values=values,
                               locale=request.locale, by=caller)
        answer = {"id": item.id, "customer_id": customer_id, "channel": decided.to.channel,
                  "status": "queued"}
        entry = Remembered(fingerprint, {"answer": answer, "item": item.model_dump(mode="json")})
        kept = await self.directory.remember(caller, key_hash, entry,
                                             customer_id=customer_id,
                                             ttl_seconds=self.idempotency_seconds)
        return await self._replay(kept, fingerprint)

    async def _replay(self, kept: Remembered, fingerprint: str) -> Answer:
        """The answer a key was first given, after making sure its notification is queued
        (a caller retrying after a crash between the two gets it queued now; queued
        before, it is a duplicate and nothing happens)."""
        if kept.fingerprint != fingerprint:
            return _error(422, "idempotency_key_reused", "this Idempotency-Key was used "
                          "for another request; use a new key for a new notification")
        answer = kept.answer["answer"]
        await self.enqueue(answer["customer_id"],
                           BusinessMessage.model_validate(kept.answer["item"]))
        return Answer(202, answer)


class BusinessStage:
    """A link of the turn chain, before the handoff stage: business messages' turns."""

    def __init__(self, *, store: Store, reaching: Reaching) -> None:
        self.store = store
        self.reaching = reaching

    async def __call__(self, claim: Claim, next: Next) -> TurnOutcome:
        item = claim.item
        if not isinstance(item, BusinessMessage) or item.action == "remind":
            return await next(claim)
        if item.action == "consent":
            return self._consent(claim, item)
        if item.action == "profile":
            return self._profile(claim, item)
        return await self._notify(claim, item)

    @staticmethod
    def _profile(claim: Claim, item: BusinessMessage) -> TurnResult:
        """An API's profile edit: the same edit and history event as an operator's, so the
        commit sees the profile change (``customer.updated``)."""
        profile, event = apply_changes(claim.profile, item.changes or {},
                                       operator=f"api:{item.by}", channel="api")
        return TurnResult(claim.session, profile, [event] if event else [], [],
                          origin="system")

    @staticmethod
    def _consent(claim: Claim, item: BusinessMessage) -> TurnResult:
        if item.purpose is not None and item.granted is not None:
            decide(claim.profile, item.purpose, item.granted, channel="api", scope=item.scope,
                   source=f"api:{item.by}" if item.by else "api", text=item.text, at=item.at)
        return TurnResult(claim.session, claim.profile, [], [], origin="system")

    async def _notify(self, claim: Claim, item: BusinessMessage) -> TurnResult:
        session, profile = claim.session, claim.profile
        template = self.reaching.notifications.templates.get(item.template or "")
        data: dict[str, object] = {"notification": item.id, "template": item.template,
                                   "by": item.by}
        if template is None:
            decided: Planned | Refused = Refused("its template is no longer configured")
        else:
            reach = await reach_of(self.store, self.reaching, claim.customer_id, session,
                                   profile)
            decided = plan(item.template or "", template, item.values,
                           item.locale or profile.locale, self.reaching.default_locale, reach)
        if isinstance(decided, Refused):
            event = Event(kind="error", channel=session.address.channel if session.address
                          else None, text=f"notification {item.template} not sent: "
                          f"{decided.reason}", data=data)
            return TurnResult(session, profile, [event], [], origin="system")
        event = outbound_event(decided.message, decided.to)
        event.data.update(data)
        return TurnResult(session, profile, [event], [decided.message], origin="system")
