"""The connector contract: turn platform updates into ``Inbound``, send ``Outbound``.

A connector owns no state, no routing and no flow logic. It declares what it can render
(``Capabilities``); the core degrades richer messages before ``send`` sees them, so a
connector only renders what it declared.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.messages import Identity, Inbound, Outbound
from bot.web.types import AnyRoute


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can show. The renderer degrades everything else."""

    max_text_length: int = 4096
    #: How many choices can be shown as buttons (0: none, a numbered list instead).
    max_buttons: int = 0
    #: Longest button title; longer titles are cut with an ellipsis.
    button_title_length: int = 64
    images: bool = False
    files: bool = False
    typing: bool = False
    request_phone: bool = False


@dataclass(frozen=True, slots=True)
class SendReceipt:
    """What the platform answered to a send: its id for the message, when it has one."""

    platform_message_id: str | None = None


class InboundSink(Protocol):
    """Where connectors hand inbound messages. Returns once they are durably recorded;
    raises ``StoreError`` when they could not be (a webhook then answers 5xx)."""

    async def __call__(self, messages: Sequence[Inbound]) -> None: ...


class ConnectorState(Protocol):
    """A little durable space of a connector's own in the store (long button payloads,
    messages waiting for a web visitor to come back, a generated secret)."""

    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, value: str, *, ttl_seconds: int | None = None) -> None: ...

    async def put_if_absent(self, key: str, value: str) -> str:
        """Store ``value`` unless the key exists; return what is stored now."""

    async def append(self, key: str, value: str, *, ttl_seconds: int, max_items: int) -> None:
        """Append to a capped list that expires ``ttl_seconds`` after the last append."""

    async def take_all(self, key: str) -> list[str]:
        """Remove and return a list's items, oldest first."""


@dataclass(frozen=True, slots=True)
class ConnectorContext:
    """What the runtime gives a connector when it starts."""

    sink: InboundSink
    state: ConnectorState
    #: The public base URL of our HTTP server, e.g. for webhook registration.
    public_url: str | None = None


class BaseConnector(ABC):
    """Base class of every connector. Subclasses set ``capabilities`` and implement the
    abstract methods; ``routes`` and ``start`` have defaults for connectors that need none.
    """

    #: The channel name recorded in identities and history ("telegram", "webchat"...).
    channel: str
    capabilities: Capabilities = Capabilities()

    def __init__(self, *, name: str, account: str = "default") -> None:
        self.name = name
        self.account = account

    @abstractmethod
    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        """Turn one platform update into inbound messages (pure: no I/O)."""

    @abstractmethod
    async def send(self, to: Identity, message: Outbound, *, key: str = "") -> SendReceipt:
        """Send one message, already degraded to ``capabilities``.

        ``key`` is stable across retries of the same message (an idempotency key); pass it
        on where the platform or client can use it. Raises ``ConnectorError`` subclasses:
        ``RateLimited``, ``Unreachable``, ``TransientError``..."""

    def routes(self) -> Sequence[AnyRoute]:
        """HTTP routes this connector serves (webhooks, pages)."""
        return ()

    async def start(self, context: ConnectorContext) -> None:  # noqa: B027 - optional hook
        """Begin receiving (start polling, register a webhook). Must return promptly."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Stop receiving and release connections."""

    async def __aenter__(self) -> BaseConnector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
