"""The base of every connector's config section (``connectors.<channel>`` in config.yaml).

It lives with the contract, below ``bot.config``: the config tree holds these sections, and
each connector class names its own subclass as ``settings_model``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConnectorSettings(BaseModel):
    """Base of every connector's settings section: frozen, and a typo is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Which connector: a registered name ("telegram", or one an installed package
    #: registers) or a ``package.module:Class`` path; defaults to the section's name.
    type: str | None = None
    #: Run this channel; ``false`` keeps the section but starts nothing.
    enabled: bool = True
