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


class HandoffSettings(Strict):
    """Human handoff: operators, business hours, the queue and the console's logins."""

    #: Let conversations go to a person at all.
    enabled: bool = True
    #: ``claim``: operators take conversations from the queue; ``auto``: each new one goes
    #: to the least busy operator online with room.
    assignment: Literal["claim", "auto"] = "claim"
    #: Messages in a row the bot did not understand before it offers a person (0: never).
    misunderstood_limit: int = Field(default=3, ge=0, le=50)
    #: A conversation waiting longer returns to the bot, with a message.
    queue_timeout_minutes: float = Field(default=30, gt=0, le=7 * 24 * 60)
    #: The first guess of how long a conversation takes, for the expected wait.
    average_handling_minutes: float = Field(default=5, gt=0, le=24 * 60)
    #: When people answer; unset, always.
    hours: BusinessHours | None = None
    #: Ask the customer to rate the conversation after an operator resolves it.
    satisfaction: bool = True
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
