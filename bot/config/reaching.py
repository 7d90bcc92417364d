"""``consent:``, ``notifications:``, ``reminders:`` and ``api:`` in config.yaml: how the
business speaks first (``docs/reaching.md``)."""

from __future__ import annotations

import string
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from bot.config.base import Strict
from bot.config.tokens import strong_token

#: What an API token may do (issue 19's customer API adds its endpoints under these).
Scope = Literal["notifications:send", "customers:read", "customers:write",
                "customers:erase", "conversations:read", "events:manage",
                "catalogue:write",
                "campaigns:manage"]


def _default_opt_out() -> dict[str, list[str]]:
    return {"en": ["stop", "unsubscribe", "stop all", "opt out", "optout"],
            "es": ["baja", "darme de baja", "dame de baja", "dar de baja", "cancelar suscripcion"]}


class ConsentSettings(Strict):
    """The words that withdraw marketing everywhere, and what counts before a decision."""

    #: Whole messages that withdraw marketing on every channel at once, per language;
    #: every language's words work on every channel, in any case, with or without accents.
    opt_out_words: dict[str, list[str]] = Field(default_factory=_default_opt_out)
    #: What counts for a purpose before the customer decided anything.
    defaults: dict[str, bool] = Field(
        default_factory=lambda: {"marketing": False, "notifications": True})


class PlatformTemplate(Strict):
    """A channel's own pre-approved template for one of our templates (WhatsApp: the
    approved message's name, its language code per locale, and which of our values fill
    its body parameters {{1}}, {{2}}... in order)."""

    #: The template's name, as approved on the platform.
    name: str = Field(min_length=1, max_length=512)
    #: Our locale → the platform's language code (``es`` → ``es_ES``); missing: the locale.
    languages: dict[str, str] = Field(default_factory=dict)
    #: Our template's values, by name, that fill the platform template's body parameters in
    #: order.
    parameters: list[str] = Field(default_factory=list)


class NotificationTemplate(Strict):
    """One message the business may send first, in every locale."""

    #: The consent purpose it is sent under (the customer's decision is checked).
    purpose: str = Field(default="notifications", pattern=r"^[a-z][a-z0-9_]{0,39}$")
    #: Locale → text with ``{name}`` placeholders for the caller's values.
    text: dict[str, str] = Field(min_length=1)
    #: Channel name (``connectors.<name>``) → that platform's template, for outside the
    #: platform's window (WhatsApp's 24 hours).
    platforms: dict[str, PlatformTemplate] = Field(default_factory=dict)

    @field_validator("text")
    @classmethod
    def _placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for locale, text in value.items():
            try:
                fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
            except ValueError as exc:
                raise ValueError(f"{locale}: {exc} (write literal braces as {{{{ }}}})") \
                    from None
            bad = [f for f in fields if not f.isidentifier()]
            if bad:
                raise ValueError(f"{locale}: placeholders are plain names like {{order}}, "
                                 f"not {bad[0]!r}")
        return value

    def variables(self) -> set[str]:
        """Every value the texts and platform templates need."""
        needed = {f for text in self.text.values()
                  for _, f, _, _ in string.Formatter().parse(text) if f}
        for platform in self.platforms.values():
            needed.update(platform.parameters)
        return needed


class NotificationSettings(Strict):
    """Messages the business may send first (``POST /api/v1/notifications``)."""

    #: Our templates by name: the only messages the notifications API may send.
    templates: dict[str, NotificationTemplate] = Field(default_factory=dict)


class ReminderSettings(Strict):
    """Follow-ups that flows schedule (``turn.remind_in``)."""

    #: Wake and send due reminders (``false``: no process looks for them).
    enabled: bool = True
    #: How often a process looks for due reminders.
    poll_seconds: float = Field(default=1.0, gt=0, le=600)
    #: A reminder claimed by a process that died is claimed again after this long.
    claim_seconds: float = Field(default=60.0, gt=0, le=3600)


class ApiToken(Strict):
    """A system that calls the API (the ERP, the CRM), with what it may do."""

    #: Names the calling system (lower case, digits, ``_.-``).
    id: str = Field(pattern=r"^[a-z0-9_.-]{1,40}$")
    #: The bearer token it sends (read it from the environment).
    token: SecretStr
    #: What it may do; at least one.
    scopes: list[Scope] = Field(min_length=1)

    @field_validator("token")
    @classmethod
    def _strong(cls, value: SecretStr) -> SecretStr:
        strong_token(value)
        return value


class ApiSettings(Strict):
    """The business API under ``/api/v1`` (off when no token is configured)."""

    tokens: list[ApiToken] = Field(default_factory=list)
    #: How long an ``Idempotency-Key`` is remembered.
    idempotency_hours: float = Field(default=24, gt=0, le=30 * 24)

    @property
    def manages_events(self) -> bool:
        """Some token may make webhook subscriptions (so events are written)."""
        return any("events:manage" in t.scopes for t in self.tokens)

    @model_validator(mode="after")
    def _unique(self) -> ApiSettings:
        ids = [t.id for t in self.tokens]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"api token ids must be unique: {', '.join(twice)}")
        return self


class EntryPointSettings(Strict):
    """A way in from the offline world: a shop's poster, a flyer, a campaign's QR code
    (``entry_points.<name>``). Scans are recorded with the customer as first- and
    last-touch sources."""

    #: Locale → the poster's headline.
    title: dict[str, str] = Field(default_factory=lambda: {"en": "Chat with us"})
    #: The campaign it belongs to, recorded with the source and with consents given.
    campaign: str | None = Field(default=None, max_length=60)
    #: A flow a scan starts (e.g. the offers opt-in, "scan to get offers"); unset: the
    #: bot greets as for any first message.
    flow: str | None = None
    #: How long after a scan what the customer does counts for this entry point in the
    #: analytics' "offline to online" (writing again, completing a flow), in hours.
    attribution_hours: float = Field(default=168, gt=0, le=90 * 24)
