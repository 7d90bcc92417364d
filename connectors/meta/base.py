"""What the WhatsApp and Messenger connectors share: one signed webhook route, one HTTP
session to the Graph API for the connector's life, and long button payloads restored."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp
from pydantic import SecretStr

from bot.channels import BaseConnector, ConnectorContext
from bot.messages import Inbound
from bot.web.types import AnyRoute
from connectors.meta import payloads
from connectors.meta.webhook import MetaWebhook, Read, messages_only


class MetaConnectorBase(BaseConnector):
    def __init__(self, *, channel: str, account: str) -> None:
        super().__init__(channel=channel, account=account)
        self._context: ConnectorContext | None = None
        self._session: aiohttp.ClientSession | None = None

    def _webhook(
        self,
        *,
        path: str,
        app_secret: SecretStr,
        verify_token: SecretStr,
        expected_object: str,
        read: Read | None = None,
    ) -> MetaWebhook:
        """The connector's webhook: its deliveries read by ``read`` (messages and statuses)
        when given, else by ``parse`` (messages only)."""
        return MetaWebhook(
            channel=self.channel, path=path, app_secret=app_secret.get_secret_value(),
            verify_token=verify_token.get_secret_value(), expected_object=expected_object,
            read=read or messages_only(self.parse), resolve=self._expand)

    def routes(self) -> Sequence[AnyRoute]:
        return self.webhook.routes()

    async def start(self, context: ConnectorContext) -> None:
        self._context = context
        self.webhook.bind(context)
        self._session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _expand(self, inbounds: list[Inbound]) -> list[Inbound]:
        """Button payloads too long for the platform were kept server-side: restore them
        (read on every webhook; most carry none, and then nothing is awaited)."""
        if not payloads.has_short_ids(inbounds):
            return inbounds
        return await payloads.expand(self._context.state if self._context else None, inbounds)

    webhook: MetaWebhook
