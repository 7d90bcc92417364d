"""Settings of the human handoff: operators, business hours, queue rules."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from bot.config.base import Strict
from bot.config.tokens import strong_token
from bot.config.zones import valid_timezone
from bot.handoff.passwords import is_password_hash

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPAN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


class OperatorAccount(Strict):
    """A person who can take conversations, in the console or through the API."""

    #: The login name, also shown in the history (lower case, digits, ``_.-``).
    id: str = Field(pattern=r"^[a-z0-9_.-]{1,40}$")
    #: The name the console shows; unset, the id.
    name: str | None = None
    #: ``operator``: the queue and their own conversations; ``supervisor``: everything.
    role: Literal["operator", "supervisor"] = "operator"
    #: From ``omnicanal hash-password`` (scrypt, salted); for the console.
    password_hash: SecretStr | None = None
    #: A bearer token for the operator API (read it from the environment).
    token: SecretStr | None = None
    #: Conversations this operator may hold at once.
    capacity: int = Field(default=5, ge=1, le=100)
    #: May edit customers' profiles and tags (supervisors always may).
    edit_profiles: bool = False
    #: What this operator is good at ("returns", "es"): automatic assignment gives a
    #: conversation labelled with a skill to the least busy operator who has it.
    skills: list[str] = Field(default_factory=list)

    @field_validator("password_hash")
    @classmethod
    def _a_hash(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not is_password_hash(value.get_secret_value()):
            raise ValueError("is not a password hash (a plain password?): run "
                             "`omnicanal hash-password` and paste the line it prints")
        return value

    @field_validator("token")
    @classmethod
    def _strong_token(cls, value: SecretStr | None) -> SecretStr | None:
        return strong_token(value)

    @model_validator(mode="after")
    def _can_log_in(self) -> OperatorAccount:
        if self.password_hash is None and self.token is None:
            raise ValueError("needs password_hash (run `omnicanal hash-password`) or token")
        return self

    @property
    def display_name(self) -> str:
        return self.name or self.id


class BusinessHours(Strict):
    """When people answer. Days missing from ``days`` are closed."""

    #: An IANA time zone name, e.g. ``Europe/Madrid``.
    timezone: str = "UTC"
    #: e.g. ``{mon: "09:00-18:00", sat: "10:00-14:00"}``.
    days: dict[Day, str] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return valid_timezone(value)

    @field_validator("days")
    @classmethod
    def _spans(cls, value: dict[Day, str]) -> dict[Day, str]:
        for day, span in value.items():
            if not _SPAN.match(span) or span[:5] >= span[6:]:
                raise ValueError(f"{day}: {span!r} must look like 09:00-18:00")
        return value


class CannedReply(Strict):
    """A ready answer the console offers when an operator types ``/`` in the reply box.
    ``{name}`` (the customer's display name), ``{order}`` (the order or ticket number
    the flow collected) and ``{operator}`` are filled in for the open conversation."""

    #: Names the reply (lower case, digits, ``_.-``).
    id: str = Field(pattern=r"^[a-z0-9_.-]{1,40}$")
    #: What the console lists it as.
    title: str = Field(min_length=1, max_length=80)
    #: The reply itself, with its placeholders.
    text: str = Field(min_length=1, max_length=4000)
    #: Offered to customers of this locale ("es"); none: to everyone.
    locale: str | None = None


class AssignmentRule(Strict):
    """Which operators automatic assignment prefers for some conversations. A rule
    matches a conversation with ``label`` among its labels (tags) and/or on ``channel``;
    the first rule that matches names the skill its operator must have. When nobody with
    that skill is online with room, the least busy operator gets it, and the take says so."""

    #: Matches conversations with this label (a tag on the customer's profile).
    label: str | None = Field(default=None, min_length=1, max_length=40)
    #: Matches conversations on this channel ("whatsapp", "webchat").
    channel: str | None = Field(default=None, min_length=1, max_length=40)
    #: The skill an operator needs to get them; unset, the label itself.
    skill: str | None = Field(default=None, min_length=1, max_length=40)

    @model_validator(mode="after")
    def _matches_something(self) -> AssignmentRule:
        if self.label is None and self.channel is None:
            raise ValueError("a rule needs label or channel (or both)")
        if self.skill is None and self.label is None:
            raise ValueError("a channel rule needs skill: the skill its operators have")
        return self

    @property
    def wanted_skill(self) -> str:
        return self.skill or self.label or ""


class SlaTargets(Strict):
    """How soon a waiting customer should hear from a person. The console counts down
    each target, warns once ``warn_at`` of it has passed, and marks it missed after."""

    #: Minutes a conversation may wait in the queue before an operator takes it (0: none).
    waiting_minutes: float = Field(default=0, ge=0, le=7 * 24 * 60)
    #: Minutes from asking for a person to an operator's first reply (0: none).
    first_response_minutes: float = Field(default=0, ge=0, le=7 * 24 * 60)
    #: The share of a target after which the console warns (0.8: at 80 %).
    warn_at: float = Field(default=0.8, gt=0, lt=1)


class SlaSettings(SlaTargets):
    """The targets of the queue, and other targets for the queue of some channels."""

    #: Targets for the queue of one channel, e.g. ``{whatsapp: {waiting_minutes: 2}}``;
    #: what a channel does not set, and other channels, follow the targets above.
    channels: dict[str, SlaTargets] = Field(default_factory=dict)

    def for_channel(self, channel: str | None) -> SlaTargets:
        own = self.channels.get(channel or "")
        if own is None:
            return self
        base = SlaTargets.model_fields
        return SlaTargets(**{name: getattr(own if name in own.model_fields_set else self, name)
                             for name in base})


class HandoffSettings(Strict):
    """Human handoff: operators, business hours, the queue and the console's logins."""

    #: Let conversations go to a person at all.
    enabled: bool = True
    #: ``claim``: operators take conversations from the queue; ``auto``: each new one goes
    #: to the least busy operator online with room.
    assignment: Literal["claim", "auto"] = "claim"
    #: With ``auto``: rules tried in order before "least busy" (by label/skill, by
    #: channel); a conversation labelled with an operator's skill goes to the least busy
    #: operator with that skill even without a rule.
    assignment_rules: list[AssignmentRule] = Field(default_factory=list)
    #: Messages in a row the bot did not understand before it offers a person (0: never).
    misunderstood_limit: int = Field(default=3, ge=0, le=50)
    #: A conversation waiting longer returns to the bot, with a message.
    queue_timeout_minutes: float = Field(default=30, gt=0, le=7 * 24 * 60)
    #: The first guess of how long a conversation takes, for the expected wait.
    average_handling_minutes: float = Field(default=5, gt=0, le=24 * 60)
    #: When people answer; unset, always.
    hours: BusinessHours | None = None
    #: Service-level targets (first response, waiting), counted down in the console and
    #: their breaches counted in the analytics; none by default.
    sla: SlaSettings = Field(default_factory=SlaSettings)
    #: Ask the customer to rate the conversation after an operator resolves it.
    satisfaction: bool = True
    #: Also ask the understanding's model (``understanding.provider: openai``) for a
    #: short summary at the top of a taken conversation; the structured one is always shown.
    generated_summary: bool = False
    #: The accounts that may log in to the console or call the operator API.
    operators: list[OperatorAccount] = Field(default_factory=list)
    canned_replies: list[CannedReply] = Field(default_factory=list)
    #: How long a console login lasts.
    session_hours: float = Field(default=12, gt=0, le=24 * 30)
    #: Failed logins allowed per (operator, address) within the window; a locked-out
    #: operator can still log in from another address.
    login_attempts: int = Field(default=5, ge=1, le=100)
    #: Failed logins allowed per address (for any operators) within the window.
    login_attempts_per_address: int = Field(default=20, ge=1, le=10_000)
    #: Password checks (scrypt) run at once, off the event loop; more wait for a turn.
    login_concurrency: int = Field(default=2, ge=1, le=64)
    #: The window over which failed logins are counted.
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)

    @field_validator("operators")
    @classmethod
    def _unique(cls, value: list[OperatorAccount]) -> list[OperatorAccount]:
        ids = [o.id for o in value]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"operator ids must be unique: {', '.join(duplicates)}")
        return value

    def operator(self, operator_id: str) -> OperatorAccount | None:
        return next((o for o in self.operators if o.id == operator_id), None)
