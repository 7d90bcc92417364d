"""Where the catalogue comes from (``catalogue:``) and how flows' services call out
(``services:``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from bot.config.base import Strict


class CatalogueSettings(Strict):
    """Products and prices, held once in the store for every channel and process."""

    #: ``file``: ``path`` is published to the store at start-up (as it changes, by
    #: restart). ``http``: ``url`` is polled, with ETag / If-Modified-Since. ``api``: the
    #: business pushes it to ``PUT /api/v1/catalogue``. With ``http`` and ``api``,
    #: ``path``, if set, fills an empty store once. A push is refused (409) under the
    #: other two sources.
    source: Literal["file", "http", "api"] = "file"
    #: The catalogue's JSON file. Unset with ``source: file``: no catalogue in the store;
    #: flows read the one their own module registers, if any.
    path: Path | None = None
    #: The ERP's catalogue endpoint (``source: http``): a GET answering the JSON document.
    url: str | None = Field(default=None, pattern=r"^https?://")
    #: Headers sent to ``url`` (e.g. ``Authorization: Bearer ${ERP_TOKEN}``); never logged.
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    #: Seconds between polls of ``url``; an unchanged answer (304) costs one round trip.
    poll_seconds: float = Field(default=60.0, ge=1, le=24 * 3600)
    #: Seconds a poll may take before it counts as failed (the old catalogue stays).
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    #: The largest document accepted, from ``url`` or a push (bytes).
    max_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)

    @model_validator(mode="after")
    def _source_has_what_it_needs(self) -> CatalogueSettings:
        if self.source == "http" and self.url is None:
            raise ValueError("source is http: set catalogue.url to the ERP's catalogue "
                             "endpoint")
        return self


class HttpServiceSettings(Strict):
    """``turn.services.http``, the client flows call business systems with."""

    #: Seconds one attempt may take in all (connect, send, answer).
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    #: Further attempts of an idempotent call after a network error, timeout, 429 or
    #: 502/503/504.
    retries: int = Field(default=2, ge=0, le=10)
    #: The pause before the first retry; it doubles for each next one.
    backoff_seconds: float = Field(default=0.2, ge=0, le=60)


class ServicesSettings(Strict):
    """The built-in services flows reach business systems through (docs/flows.md)."""

    #: The HTTP client's timeouts and retries.
    http: HttpServiceSettings = HttpServiceSettings()
