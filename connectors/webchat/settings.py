from __future__ import annotations

from pydantic import Field, SecretStr

from bot.channels import ConnectorSettings


class WebChatSettings(ConnectorSettings):
    """The web chat: its page, visitor tokens and the limits per visitor and address."""

    #: Signs visitor tokens. When unset, one is generated once and kept in the store, so
    #: visitors stay recognised across restarts.
    secret: SecretStr | None = None
    #: Serve the chat page at ``/``.
    page: bool = True
    #: Messages a visitor may send per minute (over all their tabs and our processes).
    rate_per_minute: int = Field(default=60, ge=1, le=10_000)
    #: Messages one network address (an IPv4 address, an IPv6 /64) may send per hour,
    #: over all its visitors.
    messages_per_hour_per_address: int = Field(default=600, ge=1, le=1_000_000)
    #: New visitors (browsers without a valid token) one network address may start per hour.
    new_visitors_per_hour: int = Field(default=20, ge=1, le=100_000)
    #: Messages a visitor may send that nobody answered yet (the bot is behind, or a
    #: person is awaited); one more is allowed every hour / max_unanswered after that.
    max_unanswered: int = Field(default=20, ge=1, le=10_000)
