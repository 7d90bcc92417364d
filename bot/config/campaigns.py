"""``campaigns:`` in config.yaml, and the definition of one campaign (the API's body and
the demo's shipped campaign alike): who gets it (a segment), what it says, on which
channel, and when (``docs/reaching.md``, "Campaigns")."""

from __future__ import annotations

import re
import string
from datetime import datetime
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from bot.config.base import Strict
from bot.config.reaching import PlatformTemplate
from bot.config.zones import valid_timezone

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

#: Profile fields a segment may compare and a campaign's text may name (``{name}``).
PROFILE_FIELDS = ("name", "first_name", "email", "phone", "locale", "username",
                  "timezone", "preferred_channel")


class QuietHours(Strict):
    """Local times (in the customer's time zone) when nothing is sent; a window that
    crosses midnight (21:00-09:00) is allowed."""

    #: When the quiet time starts, ``HH:MM``.
    start: str = Field(pattern=_CLOCK.pattern)
    #: When it ends, ``HH:MM``.
    end: str = Field(pattern=_CLOCK.pattern)


class UnfinishedFlow(Strict):
    """"Started flow X and did not finish it within N hours" (it is still open)."""

    #: The flow's name.
    flow: str = Field(min_length=1, max_length=60)
    #: Started at least this long ago.
    hours: float = Field(gt=0, le=24 * 365)


class Segment(Strict):
    """Which customers: every condition given must hold (an empty segment is everyone).
    ``consent`` is not a filter but a rule: a customer without it is skipped and counted."""

    #: The customer has every one of these tags.
    tags: list[str] = Field(default_factory=list, max_length=20)
    #: The consent purpose the campaign is sent under.
    consent: str = Field(default="marketing", pattern=r"^[a-z][a-z0-9_]{0,39}$")
    #: The customer's language is one of these (empty: any).
    locales: list[str] = Field(default_factory=list, max_length=20)
    #: The customer has an identity on one of these channels (empty: any enabled).
    channels: list[str] = Field(default_factory=list, max_length=20)
    #: Last active before this moment (ISO 8601 or epoch seconds).
    last_seen_before: datetime | None = None
    #: Last active after this moment (ISO 8601 or epoch seconds).
    last_seen_after: datetime | None = None
    #: Profile field → the value it equals (``locale: es``, ``timezone: Europe/Madrid``).
    profile: dict[str, str] = Field(default_factory=dict, max_length=10)
    #: Started a flow and has not finished it for this long.
    unfinished_flow: UnfinishedFlow | None = None

    @field_validator("profile")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(PROFILE_FIELDS))
        if unknown:
            raise ValueError(f"unknown profile field {unknown[0]!r}; known: "
                             f"{', '.join(PROFILE_FIELDS)}")
        return value


class EstimateRequest(Strict):
    """The body of ``POST /api/v1/campaigns/estimate``."""

    #: The segment to count.
    segment: Segment = Segment()


class CampaignChoice(Strict):
    """A button under the message; tapping it can start a flow ("Shop now" → catalogue)."""

    #: Locale → the button's title.
    title: dict[str, str] = Field(min_length=1)
    #: The flow a tap starts (a tap that completes it within the attribution window is a
    #: conversion); unset: the tap is an ordinary answer.
    flow: str | None = Field(default=None, max_length=60)


ChannelPolicy = Literal["last_used", "preferred", "ordered"]


class CampaignDefinition(Strict):
    """One campaign: the segment, the localised message, the channel policy, the time."""

    #: Shown to supervisors and in the stats.
    name: str = Field(min_length=1, max_length=120)
    #: Locale → the message, with ``{name}``-style placeholders for profile fields.
    text: dict[str, str] = Field(min_length=1)
    #: Buttons under the message (at most 3: WhatsApp's reply-button limit).
    choices: list[CampaignChoice] = Field(default_factory=list, max_length=3)
    #: Who gets it.
    segment: Segment = Segment()
    #: When to start sending (ISO 8601 or epoch seconds); unset: at once.
    start_at: datetime | None = None
    #: Which channel: the one last used, the profile's ``preferred_channel`` (then last
    #: used), or the first of ``channel_order`` where the customer can be reached now.
    channel_policy: ChannelPolicy = "last_used"
    #: The fallback order for ``ordered``.
    channel_order: list[str] = Field(default_factory=list, max_length=10,
                                     validate_default=True)
    #: Channel → its approved template, for outside the platform's window (WhatsApp).
    templates: dict[str, PlatformTemplate] = Field(default_factory=dict)
    #: Overrides ``campaigns.quiet_hours`` for this campaign.
    quiet_hours: QuietHours | None = None

    @field_validator("text")
    @classmethod
    def _placeholders(cls, value: dict[str, str]) -> dict[str, str]:
        for locale, text in value.items():
            try:
                names = [f for _, f, _, _ in string.Formatter().parse(text) if f]
            except ValueError as exc:
                raise ValueError(f"{locale}: {exc}") from None
            unknown = [n for n in names if n not in PROFILE_FIELDS]
            if unknown:
                raise ValueError(f"{locale}: {{{unknown[0]}}} is not a profile field; "
                                 f"known: {', '.join(PROFILE_FIELDS)}")
        return value

    @field_validator("channel_order")
    @classmethod
    def _order_given(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # A field's validator (not the model's): the error names ``channel_order``, so the
        # console shows it next to that field.
        if info.data.get("channel_policy") == "ordered" and not value:
            raise ValueError("channel_policy 'ordered' needs channel_order, e.g. "
                             "[whatsapp, telegram, webchat]")
        return value


class CampaignSettings(Strict):
    """How campaigns are sent (``POST /api/v1/campaigns``, ``bot/campaigns/``)."""

    #: Send campaigns from this process's workers (``false``: none here).
    enabled: bool = True
    #: The time zone of customers whose profile has none.
    timezone: str = "UTC"
    #: Nothing is sent in these local hours (unset: any time).
    quiet_hours: QuietHours | None = None
    #: Channel → messages per second this process sends at most (unset: no limit).
    rate_per_second: dict[str, float] = Field(default_factory=dict)
    #: How often a worker looks for campaign recipients due now.
    poll_seconds: float = Field(default=1.0, gt=0, le=600)
    #: Recipients claimed by a worker that died are claimed again after this long.
    claim_seconds: float = Field(default=30.0, gt=0, le=3600)
    #: Recipients a worker claims at a time.
    batch: int = Field(default=500, ge=1, le=10_000)
    #: A campaign choice's flow completed within this long of the send is a conversion.
    attribution_hours: float = Field(default=72, gt=0, le=24 * 90)
    #: Campaigns the project ships, by name: ``POST /api/v1/campaigns/shipped/<name>``
    #: creates one (its audience chosen then), like a ``POST /api/v1/campaigns`` of it.
    definitions: dict[str, CampaignDefinition] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return valid_timezone(value)

    @field_validator("rate_per_second")
    @classmethod
    def _positive(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [k for k, v in value.items() if v <= 0]
        if bad:
            raise ValueError(f"{bad[0]}: a rate is a positive number of messages per second")
        return value
