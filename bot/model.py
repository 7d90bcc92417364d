"""The stored data model: a customer's profile, their one session, and history events.

Everything here is plain JSON-serialisable data, never a suspended coroutine, so any
process can continue any conversation.

Two kinds of types: what is read back and changed across turns (``Session``, ``Profile``,
their parts) are pydantic models, validated whenever they are built. What the framework
writes once per turn and never changes afterwards (``Event``, ``Delivery``) are plain
slotted dataclasses, built by our own typed code (mypy checks their fields) and validated
by pydantic where they come back in from the store (``EVENTS``, ``DELIVERIES``). A turn
builds several of them: a dataclass costs a quarter of a model to build, and the same to
serialise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.messages import Choice, Identity, Outbound

JSONValue = Any  # slots hold whatever a pydantic validator produced, as JSON


class Consent(BaseModel):
    """One decision of the customer's consent ledger (``bot/consent/ledger.py``): kept in
    ``Profile.consents`` under its purpose (``marketing``), or ``purpose@channel`` when it
    covers one channel only. Frozen: a new decision replaces the old one, and the turn's
    consent stage writes one history event for every replacement."""

    model_config = ConfigDict(frozen=True)

    granted: bool
    at: float
    #: Where it was decided (the channel the customer was on, or "api").
    channel: str
    #: "all" (every channel) or the one channel it covers.
    scope: str = "all"
    #: How it was decided: "flow:<name>", "keyword", "carrier", "api", "qr"...
    source: str | None = None
    #: The words the customer agreed to (an opt-in's question), as shown to them.
    text: str | None = None
    #: The keyword the customer sent ("STOP"), for a keyword's decision.
    keyword: str | None = None
    #: The campaign or QR entry point the decision came through, when one did.
    campaign: str | None = None
    qr: str | None = None


class Touch(BaseModel):
    """Where a customer came from: an entry point they scanned or tapped."""

    entry: str
    channel: str
    at: float
    campaign: str | None = None


class Profile(BaseModel):
    """What we know about one customer, combined from every channel they use."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    #: E.164, e.g. "+34600111222".
    phone: str | None = None
    #: True when a platform vouched for ``phone`` (a WhatsApp sender, an own Telegram contact).
    phone_verified: bool = False
    #: A handle the customer chose on a platform, shown to operators; never an identifier.
    username: str | None = None
    email: str | None = None
    email_verified: bool = False
    locale: str | None = None
    #: The customer chose ``locale`` themselves (the language intent or button): it wins
    #: over the language recognised in what they write.
    locale_chosen: bool = False
    consents: dict[str, Consent] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    #: The first and the latest entry point (a shop's QR code) they came through.
    first_touch: Touch | None = None
    last_touch: Touch | None = None
    #: IANA time zone (``Europe/Madrid``): campaigns' quiet hours are kept in it.
    timezone: str | None = None
    #: The channel the customer asked to be reached on (a campaign's ``preferred`` policy).
    preferred_channel: str | None = None


QuestionKind = Literal["text", "choice", "phone"]


class Question(BaseModel):
    """The question a flow is waiting on: enough to validate the answer and ask again on
    whatever channel the customer writes next. Frozen: one is shared by every customer a
    step asks it of (``bot/dialogue/prompts.py``); a change is a copy (``model_copy``)."""

    model_config = ConfigDict(frozen=True)

    slot: str
    kind: QuestionKind = "text"
    prompt: str
    choices: list[Choice] = Field(default_factory=list)
    #: The step that receives the answer.
    then: str
    #: A dotted path to the validating type, resolved by the flow (never pickled code).
    validator: str | None = None
    error: str | None = None
    #: The shorter prompt for asking again after an answer in between (``Ask.again``).
    again: str | None = None
    attempts: int = 0


class Frame(BaseModel):
    """One active flow: where it stands and what it has collected."""

    flow: str
    step: str
    slots: dict[str, JSONValue] = Field(default_factory=dict)
    question: Question | None = None
    #: Slots a sentence gave before they were asked ("return the jeans from order A1001"):
    #: the flow's ``Ask`` for one of them takes it instead of asking.
    given: dict[str, JSONValue] = Field(default_factory=dict)
    #: The step of the calling flow to resume when this (sub-)flow ends.
    return_to: str | None = None
    started_at: float = Field(default_factory=time.time)
    updated_at: float = Field(default_factory=time.time)

    def enter(self, step: str) -> None:
        """Stand at ``step`` from now: what the engine does at every step a turn runs.
        Both fields are set as pydantic's own assignment sets a field of a model that
        validates none (the value in ``__dict__``, its name among the fields set), in one
        step instead of two passes through ``BaseModel.__setattr__``."""
        values = {"step": step, "updated_at": time.time()}
        self.__dict__.update(values)
        self.__pydantic_fields_set__.update(values)


Mode = Literal["bot", "queued", "human"]


class HandoffInfo(BaseModel):
    """Why and since when a conversation waits for, or is with, a person."""

    reason: str
    requested_at: float
    priority: int = 0
    taken_at: float | None = None
    #: When an operator first replied (the first-response target stops there).
    first_reply_at: float | None = None


OperatorActionKind = Literal[
    "request", "take", "reply", "note", "handback", "resolve", "transfer", "timeout",
    "reopen", "profile"]


class OperatorAction(BaseModel):
    """An operator's (or the system's) action on one conversation. It is queued in the
    customer's inbox like a message, so it is applied in order with what the customer
    says: a takeover and a customer message can never interleave inside a turn."""

    kind: Literal["operator"] = "operator"
    id: str
    operator: str
    action: OperatorActionKind
    text: str | None = None
    flow: str | None = None
    target: str | None = None
    #: A profile edit's changes (``bot/handoff/profile_edits.py``), already checked.
    changes: dict[str, str | list[str] | None] | None = None
    at: float = Field(default_factory=time.time)


class BusinessMessage(BaseModel):
    """The business speaking first to one customer (or about them), queued in their inbox
    like a message so it is decided and committed in a turn of its own, in order with what
    the customer says: a notification from the API (``action="notify"``: ``template``
    with ``values``), a consent decision given through the API (``"consent"``:
    ``purpose``, ``granted``, ``scope``, ``text``), a profile edit given through the API
    (``"profile"``: ``changes``, checked like an operator's), a reminder a flow
    scheduled that is now due (``"remind"``: ``ref``), or a campaign's message
    (``"campaign"``: ``ref`` is the campaign's id, ``values["member"]`` the recipient's
    queue member, which a paused campaign holds back)."""

    kind: Literal["business"] = "business"
    id: str
    action: Literal["notify", "consent", "remind", "profile", "campaign"]
    template: str | None = None
    values: dict[str, str] = Field(default_factory=dict)
    locale: str | None = None
    #: The reminder's id, for ``remind``.
    ref: str | None = None
    purpose: str | None = None
    granted: bool | None = None
    scope: str = "all"
    text: str | None = None
    #: A profile edit's changes (``bot/handoff/profile_edits.py``), already checked.
    changes: dict[str, str | list[str] | None] | None = None
    #: Who asked for it (an API token's id), for the history.
    by: str | None = None
    at: float = Field(default_factory=time.time)


class Reminder(BaseModel):
    """A follow-up a flow scheduled for its customer (``Turn.remind_in``), kept in the
    session until it is sent or the customer writes first."""

    id: str
    due: float
    flow: str
    text_key: str
    values: dict[str, str] = Field(default_factory=dict)
    #: Ask the flow's pending question again after the reminder, when it still waits.
    reprompt: bool = True


class CampaignMark(BaseModel):
    """A campaign the customer was sent (``bot/campaigns/stage.py``): it is never sent to
    them again, and what they do within the attribution window counts for it."""

    sent_at: float
    #: The flow a tap on one of its choices started, until it completes.
    flow: str | None = None
    replied: bool = False


class Standing(NamedTuple):
    """Who has a conversation (the bot, the queue, a person): what the handoff bookkeeping
    and analytics compare before and after a turn. A tuple of the three fields, where a
    copy of the session cost a pydantic copy on every turn."""

    mode: Mode
    operator: str | None
    handoff: HandoffInfo | None


class PendingLink(BaseModel):
    """A link offered and waiting for the customer's yes on this channel."""

    target: str
    method: Literal["code", "phone"]
    #: The code's hash (never the code) for method "code".
    code_hash: str | None = None
    #: Where the other conversation was, to tell the customer ("Telegram").
    channel: str | None = None
    expires_at: float
    #: The customer here had a history of their own: a yes is not enough, they must type
    #: the confirmation word (README, "Security model: Linking").
    word_required: bool = False


class Session(BaseModel):
    """One per customer, not per channel. ``version`` increases with every commit and is
    checked on the next one (compare-and-set)."""

    #: Stored beside the session's JSON (the hash's ``v``), never inside it.
    version: int = Field(default=0, exclude=True)
    stack: list[Frame] = Field(default_factory=list)
    #: Flows put aside (e.g. by a merge) that the customer can resume.
    suspended: list[Frame] = Field(default_factory=list)
    mode: Mode = "bot"
    operator: str | None = None
    handoff: HandoffInfo | None = None
    #: The identity the customer last wrote from: replies and operator messages go there.
    address: Identity | None = None
    #: Consecutive messages the bot did not understand.
    misunderstood: int = 0
    #: Identities on which the bot has said it recognised the customer.
    greeted_on: list[str] = Field(default_factory=list)
    pending_link: PendingLink | None = None
    #: Customers this one declined to be linked with (by phone), not offered again.
    declined_links: list[str] = Field(default_factory=list)
    #: Follow-ups scheduled by flows, due later (``bot/reaching/reminders.py``).
    reminders: list[Reminder] = Field(default_factory=list)
    #: Campaign id → what it sent this customer (``bot/campaigns/stage.py``).
    campaigns: dict[str, CampaignMark] = Field(default_factory=dict)

    @property
    def frame(self) -> Frame | None:
        return self.stack[-1] if self.stack else None

    @property
    def standing(self) -> Standing:
        """Its mode, operator and handoff now (they are only ever replaced, never changed
        in place, so this stays true to the moment it was taken)."""
        return Standing(self.mode, self.operator, self.handoff)


EventKind = Literal[
    "inbound",
    "outbound",
    "channel_switch",
    "flow",
    "handoff",
    "link",
    "merge",
    "unlink",
    "note",
    "delivery",
    "error",
    "consent",
    "reminder",
    "source",
    "understood",
    "profile",
]


@dataclass(slots=True, kw_only=True)
class Event:
    """One entry of a customer's append-only history, shown as one transcript."""

    kind: EventKind
    at: float = field(default_factory=time.time)
    channel: str | None = None
    identity: str | None = None
    text: str | None = None
    #: Kind-specific details: message ids, flow names, an operator id... (JSON values).
    data: dict[str, JSONValue] = field(default_factory=dict)


Origin = Literal["bot", "operator", "system"]


@dataclass(slots=True, kw_only=True)
class Delivery:
    """One outgoing message in the outbox: committed with its turn, removed once sent.

    ``id`` is unique per customer and stable across retries (an idempotency key).
    """

    id: str
    customer_id: str
    to: Identity
    message: Annotated[Outbound, Field(discriminator="kind")]
    created_at: float = field(default_factory=time.time)
    origin: Origin = "bot"


#: Validation and JSON for history events and deliveries: ``EVENTS.validate_json(raw)``
#: where they are read from the store, ``EVENTS.dump_json(event)`` to write one.
EVENTS: TypeAdapter[Event] = TypeAdapter(Event)
DELIVERIES: TypeAdapter[Delivery] = TypeAdapter(Delivery)
