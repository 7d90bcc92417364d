"""The typed settings tree. Every model is frozen and forbids unknown keys.

Connector sections are validated by the connector's own settings model (see
``bot.channels.registry``), so the core names no platform.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from bot.channels.settings import ConnectorSettings
from bot.config.base import Strict
from bot.config.campaigns import CampaignSettings
from bot.config.catalogue import CatalogueSettings, ServicesSettings
from bot.config.events import EventsSettings
from bot.config.handoff import HandoffSettings
from bot.config.pipeline import PipelineSettings
from bot.config.reaching import (
    ApiSettings,
    ConsentSettings,
    EntryPointSettings,
    NotificationSettings,
    ReminderSettings,
)
from bot.config.understanding import KnowledgeSettings, UnderstandingSettings
from bot.web.origin import PublicOrigin


class StoreSettings(Strict):
    """Where sessions, histories, inboxes and outboxes live: the embedded server or a Redis."""

    #: ``embedded`` starts a local server; otherwise a redis://, rediss:// or unix:// URL.
    url: SecretStr = SecretStr("embedded")
    #: Where the embedded server keeps its append-only files.
    data_dir: Path = Path(".omnicanal/data")
    #: fsync policy of the embedded server: ``always`` loses nothing acknowledged even on
    #: power loss; ``everysec`` may lose the last second.
    appendfsync: Literal["always", "everysec", "no"] = "everysec"
    #: Prefix of every key in the store, so several bots can share one server.
    key_prefix: str = Field(default="omni", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    #: Events kept per customer; older ones are trimmed (a full history may hold up to a
    #: sixteenth more between two trims: it is trimmed in steps, not on every turn).
    history_limit: int = Field(default=2000, ge=10, le=1_000_000)
    #: How long a turn owns a customer before another process may take over.
    lease_seconds: float = Field(default=30.0, gt=0.5, le=3600)
    #: How long a platform message id is remembered for deduplication.
    dedupe_hours: float = Field(default=7 * 24, gt=0, le=90 * 24)
    #: How long a command may wait for the store's answer before it fails (a hung server
    #: then makes a webhook answer 503 instead of hanging it).
    timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    #: Connections to the store per process; a burst waits for a free one rather than fail.
    max_connections: int = Field(default=64, ge=2, le=10_000)
    #: ``url`` names one node of a Redis Cluster (every per-customer operation stays in
    #: one hash slot, so the same code runs there).
    cluster: bool = False

    @property
    def embedded(self) -> bool:
        return self.url.get_secret_value() == "embedded"

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if url != "embedded" and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                "must be 'embedded' or a URL starting with redis://, rediss:// or unix://"
            )
        return value


class ServerSettings(Strict):
    """The one HTTP server: web chat, webhooks, the operator console, metrics."""

    #: The address to listen on; keep 127.0.0.1 (or an internal address) behind a proxy.
    host: str = "127.0.0.1"
    #: The port to listen on (0: any free port).
    port: int = Field(default=8080, ge=0, le=65535)
    #: The address customers and platforms reach us at (for links and webhooks), and the
    #: origin browsers must come from (pages, websockets, console POSTs) behind a proxy
    #: that rewrites ``Host``.
    public_url: str | None = None
    #: Seconds to finish in-flight work after SIGTERM before exiting.
    shutdown_timeout: float = Field(default=10.0, gt=0, le=600)
    #: Reverse proxies (addresses or networks) whose ``X-Forwarded-For`` is believed, e.g.
    #: ``[127.0.0.1, 10.0.0.0/8]``. Empty: the peer's own address is the client's.
    trusted_proxies: list[str] = Field(default_factory=list)
    #: Seconds a connection has to send a request's headers (from opening, or from the
    #: last answer: also how long an idle keep-alive connection stays open).
    header_timeout: float = Field(default=15.0, gt=0, le=3600)
    #: Seconds a request has to send its whole body (then 408).
    body_timeout: float = Field(default=10.0, gt=0, le=3600)
    #: Serve ``/metrics`` on this port only (of ``metrics_host``), not on the public one.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    #: The address ``metrics_port`` listens on.
    metrics_host: str = "127.0.0.1"

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an address or network such as "
                                 "10.0.0.0/8") from None
        return value

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            PublicOrigin.from_url(value)  # raises ValueError with what is wrong
        return value


class FlowSettings(Strict):
    """Which flows run, and in which languages."""

    #: Python modules that define flows; each exposes ``FLOWS`` (a list of Flow). There is
    #: no default: the framework ships no flows of its own (the shipped config.yaml names
    #: the demo, ``flows.store_assistant``).
    modules: list[str] = Field(min_length=1)
    #: The flow that runs when no flow is active and nothing else matches; unset, the
    #: first flow of the first module.
    default: str | None = None
    #: The languages customers are served in; each customer's is chosen from these.
    locales: list[str] = Field(default_factory=lambda: ["en", "es"], min_length=1)
    #: The language of a customer whose own is unknown or not in ``locales``.
    default_locale: str = "en"
    #: Re-asks before a flow gives up on a question and offers help.
    max_attempts: int = Field(default=3, ge=1, le=20)


class LinkingSettings(Strict):
    """One customer across channels: link codes and their abuse limits."""

    #: Offer link codes (``/link``) and vouched-phone links at all.
    enabled: bool = True
    #: How long a link code works.
    code_minutes: int = Field(default=10, ge=1, le=24 * 60)
    #: Wrong codes an identity may send per window before it must wait.
    attempts_per_identity: int = Field(default=5, ge=1, le=100)
    #: The window over which wrong codes are counted.
    attempts_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    #: Wrong codes one network address may send per window (where the channel knows the
    #: sender's address: the web chat).
    attempts_per_address: int = Field(default=20, ge=1, le=10_000)
    #: Wrong codes per minute on one channel before identities that already sent a wrong
    #: code must wait out their window (a brute-force brake; a first try always counts).
    attempts_per_channel_per_minute: int = Field(default=300, ge=1, le=1_000_000)
    #: The key of the hash that link codes and the phone index are stored under
    #: (HMAC-SHA256). Unset: generated once, kept next to the embedded store's data, or
    #: with an external store in the store itself (README, "Security model: Linking").
    secret: SecretStr | None = None

    @field_validator("secret")
    @classmethod
    def _long_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters: generate one with "
                             "python -c 'import secrets; print(secrets.token_hex(32))'")
        return value


class LoggingSettings(Strict):
    """What is logged, and how it is written."""

    #: The least severe level written.
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: ``text``: readable lines; ``json``: one JSON object per line.
    format: Literal["text", "json"] = "text"


class Settings(Strict):
    """The whole of config.yaml."""

    store: StoreSettings = StoreSettings()
    server: ServerSettings = ServerSettings()
    flows: FlowSettings
    linking: LinkingSettings = LinkingSettings()
    handoff: HandoffSettings = HandoffSettings()
    logging: LoggingSettings = LoggingSettings()
    pipeline: PipelineSettings = PipelineSettings()
    understanding: UnderstandingSettings = UnderstandingSettings()
    knowledge: KnowledgeSettings = KnowledgeSettings()
    consent: ConsentSettings = ConsentSettings()
    notifications: NotificationSettings = NotificationSettings()
    reminders: ReminderSettings = ReminderSettings()
    campaigns: CampaignSettings = CampaignSettings()
    api: ApiSettings = ApiSettings()
    #: QR codes and links for posters (``bot/reaching/entry.py``), by name.
    entry_points: dict[str, EntryPointSettings] = Field(default_factory=dict)
    events: EventsSettings = EventsSettings()
    catalogue: CatalogueSettings = CatalogueSettings()
    services: ServicesSettings = ServicesSettings()
    #: One section per channel, named as the channel; ``type`` picks its connector.
    connectors: dict[str, ConnectorSettings] = Field(default_factory=dict)

    @field_validator("entry_points")
    @classmethod
    def _entry_names(cls, value: dict[str, EntryPointSettings]) -> dict[str, EntryPointSettings]:
        for name in value:
            if not re.fullmatch(r"[a-z0-9_]{1,24}", name):
                raise ValueError(f"{name!r}: entry point names are 1-24 of a-z, 0-9 and _ "
                                 "(they travel in Telegram's start payload)")
        return value

    def enabled_connectors(self) -> dict[str, ConnectorSettings]:
        return {name: c for name, c in self.connectors.items() if c.enabled}
