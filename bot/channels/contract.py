"""The connector contract: turn platform updates into ``Inbound``, send ``Outbound``.

A connector owns no state, no routing and no flow logic. It declares what it can render
(``Capabilities``); the core degrades richer messages before ``send`` sees them, so a
connector only renders what it declared. docs/connectors.md shows how to write one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Self

from bot.channels.capabilities import Capabilities
from bot.channels.context import ConnectorContext
from bot.channels.sending import SendContext, SendReceipt
from bot.channels.settings import ConnectorSettings
from bot.messages import Identity, Inbound, Outbound
from bot.web.types import AnyRoute


class BaseConnector(ABC):
    """Base class of every connector. Subclasses set ``capabilities`` (and, to be
    configured from config.yaml, ``settings_model``) and implement ``send``; the other
    methods have defaults for connectors that need none."""

    #: The connector's section name in config.yaml (``connectors.<channel>``): identities
    #: and history carry it, and replies are routed by it. Two Telegram bots are two
    #: channels ("telegram" and, say, "telegram_support") of the same type.
    channel: str
    #: The account on the platform (a bot id, a phone number id, a page id).
    account: str
    capabilities: Capabilities = Capabilities()
    #: The pydantic model of this connector's config section; the loader validates the
    #: section with it and hands the result to ``from_settings``.
    settings_model: ClassVar[type[ConnectorSettings]] = ConnectorSettings

    def __init__(self, *, channel: str, account: str = "default") -> None:
        self.channel = channel
        self.account = account

    @classmethod
    def from_settings(cls, channel: str, settings: ConnectorSettings) -> Self:
        """Build the connector configured under ``connectors.<channel>``. The default calls
        ``cls(channel=channel, settings=settings)``; override it when the constructor
        takes something else."""
        if not isinstance(settings, cls.settings_model):
            raise TypeError(f"{cls.__name__}.from_settings takes {cls.settings_model.__name__},"
                            f" not {type(settings).__name__}")
        construct: Callable[..., Self] = cls
        return construct(channel=channel, settings=settings)

    @abstractmethod
    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        """Send one message, already degraded to ``capabilities``.

        ``key`` is stable across retries of the same message (an idempotency key); pass it
        on where the platform or client can use it. ``context`` says who speaks and, if
        awaited, when the customer last wrote (a windowed channel raises ``OutsideWindow``
        when nothing may be sent). Raises ``ConnectorError`` subclasses: ``RateLimited``,
        ``Unreachable``, ``TransientError``..."""

    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        """Optional pure hook: one platform update → inbound messages (no I/O). The core
        never calls it; connectors that receive payloads implement it so their routes share
        it and tests can feed it recorded payloads."""
        raise NotImplementedError(f"{type(self).__name__} does not parse updates")

    def routes(self) -> Sequence[AnyRoute]:
        """HTTP routes this connector serves (webhooks, pages), on the one HTTP server."""
        return ()

    def continue_link(self, code: str) -> str | None:
        """A link that opens this channel with a link code ready to send (a Telegram deep
        link, a WhatsApp click-to-chat link...), or None when the channel has none."""
        return None

    async def forget(self, identity: Identity) -> None:  # noqa: B027 - optional hook
        """Erase what this connector keeps about one sender (a phone number learnt,
        messages waiting for a browser) in its ``ConnectorState`` and its own memory:
        the customer is being erased (``bot/privacy.py``). Raises ``StoreError``."""

    async def start(self, context: ConnectorContext) -> None:  # noqa: B027 - optional hook
        """Begin receiving (start polling, register a webhook). Must return promptly."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Stop receiving and release connections."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
