"""``events:`` settings: webhook subscriptions and their delivery schedule."""

from __future__ import annotations

import hashlib

from pydantic import Field, SecretStr, field_validator

from bot.config.base import Strict
from bot.webhooks.events import EVENT_TYPES


class SubscriptionSettings(Strict):
    """One endpoint that receives events."""

    #: Where the events are POSTed.
    url: str
    #: The HMAC key the requests are signed with (``Omnicanal-Signature``).
    secret: SecretStr
    #: Event types it receives; ``["*"]``, the default, is every type.
    types: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    #: Names its position and dead letters in the store; unset, derived from ``url`` (so
    #: changing the URL starts it over from the events committed after the change).
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    #: Seconds one request may take before it counts as failed.
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    #: Events per request: 1, the default, posts each event alone; more posts up to that
    #: many of a customer's waiting events together, as ``{"events": [...]}`` in commit
    #: order (docs/events.md, "Batched requests"). Fewer requests for a busy endpoint.
    batch: int = Field(default=1, ge=1, le=100)

    @property
    def key(self) -> str:
        return self.name or "s" + hashlib.sha256(self.url.encode()).hexdigest()[:12]

    def wants(self, event_type: str) -> bool:
        return "*" in self.types or event_type in self.types

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("secret")
    @classmethod
    def _long_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters: generate one with "
                             "python -c 'import secrets; print(secrets.token_hex(32))'")
        return value

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t != "*" and t not in EVENT_TYPES]
        if unknown:
            raise ValueError(f"unknown event type(s) {', '.join(unknown)}; known: "
                             f"{', '.join(EVENT_TYPES)}")
        return value


class EventsSettings(Strict):
    """Event webhooks. With no subscription, no event is written at all."""

    subscriptions: list[SubscriptionSettings] = Field(default_factory=list)
    #: How long an event is retried before it becomes a dead letter.
    retry_for_seconds: float = Field(default=3 * 24 * 3600, gt=0, le=30 * 24 * 3600)
    #: The first retry's delay; each next one doubles, up to ``backoff_max_seconds``.
    backoff_initial_seconds: float = Field(default=1.0, gt=0, le=3600)
    #: The longest delay between two retries.
    backoff_max_seconds: float = Field(default=600.0, gt=0, le=24 * 3600)
    #: Deliveries in flight at once, per process.
    concurrency: int = Field(default=16, ge=1, le=1000)
    #: How often each process reads the subscriptions made through the API
    #: (``/api/v1/events/subscriptions``); a new one gets events from its creation on.
    refresh_seconds: float = Field(default=1.0, gt=0, le=300)
    #: How long a worker owns a customer's deliveries to one endpoint before another
    #: worker may take over (it dies); longer than any endpoint's timeout.
    lease_seconds: float = Field(default=60.0, gt=1, le=3600)

    @field_validator("subscriptions")
    @classmethod
    def _distinct(cls, value: list[SubscriptionSettings]) -> list[SubscriptionSettings]:
        keys = [s.key for s in value]
        if len(set(keys)) != len(keys):
            raise ValueError("two subscriptions have the same name (or URL): give each "
                             "its own 'name'")
        return value
