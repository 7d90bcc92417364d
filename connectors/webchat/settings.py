from __future__ import annotations

from pydantic import Field, SecretStr

from bot.config.settings import ConnectorSettings


class WebChatSettings(ConnectorSettings):
    #: Signs visitor tokens. When unset, one is generated once and kept in the store, so
    #: visitors stay recognised across restarts.
    secret: SecretStr | None = None
    #: Serve the chat page at ``/``.
    page: bool = True
    #: Messages a visitor may send per minute before being slowed down.
    rate_per_minute: int = Field(default=60, ge=1, le=10_000)
