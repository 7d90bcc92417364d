"""The connector contract: turn platform updates into ``Inbound``, send ``Outbound``.

A connector owns no state, no routing and no flow logic. It declares what it can render
(``Capabilities``); the core degrades richer messages before ``send`` sees them, so a
connector only renders what it declared.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

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


@dataclass(frozen=True, slots=True)
class SendContext:
    """What a connector with a customer-service window (``needs_window``) is told about a
    send: when the customer last wrote on this identity, and who is speaking."""

    #: Epoch seconds of the customer's last message on this identity; None: never.
    last_inbound_at: float | None
    origin: Literal["bot", "operator", "system"] = "bot"


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """A platform's report on one of our sent messages (sent, delivered, read, failed)."""

    identity: Identity
    platform_message_id: str
    status: str
    timestamp: float
    error: str | None = None
    #: Other ids the platform gave for the recipient (see ``Inbound.aliases``).
    aliases: tuple[Identity, ...] = ()


#: Where connectors hand delivery statuses (the runtime decides where they are recorded).
StatusSink = Callable[[DeliveryStatus], Awaitable[None]]


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

    async def delete(self, key: str) -> None: ...

    async def take(self, key: str, *, capacity: int, refill_seconds: float) -> bool:
        """Take one token from a bucket of ``capacity`` that refills fully in
        ``refill_seconds``: a rate limit shared by every process, decided atomically
        (False: none left)."""

    async def hold(self, key: str, holder: str, *, ttl_seconds: float) -> bool:
        """Take or renew an exclusive lease shared by all processes (e.g. the one poller);
        False while another holder has it."""

    async def publish(self, channel: str, message: str) -> None:
        """Tell the same connector in every process (e.g. "a reply waits for visitor V")."""

    def listen(self, channel: str) -> AsyncIterator[str]:
        """Messages published on ``channel`` by any process, until cancelled."""


@dataclass(frozen=True, slots=True)
class ConnectorContext:
    """What the runtime gives a connector when it starts."""

    sink: InboundSink
    state: ConnectorState
    #: The public base URL of our HTTP server, e.g. for webhook registration.
    public_url: str | None = None
    #: Where delivery statuses go; None: the runtime does not record them.
    status: StatusSink | None = None
    #: False in a worker process: send only (no polling, no webhook registration); the
    #: web processes receive.
    receive: bool = True


class BaseConnector(ABC):
    """Base class of every connector. Subclasses set ``capabilities`` and implement the
    abstract methods; ``routes`` and ``start`` have defaults for connectors that need none.
    """

    #: The connector's type ("telegram", "webchat"...). Each instance's ``channel`` is its
    #: section name in config.yaml (the same unless renamed, e.g. two Telegram bots):
    #: identities and history carry it, and replies are routed by it.
    channel: str
    capabilities: Capabilities = Capabilities()
    #: True when sends depend on a customer-service window: the dispatcher then calls
    #: ``send_in_context`` with when the customer last wrote (one store read per delivery).
    needs_window: bool = False

    def __init__(self, *, name: str, account: str = "default") -> None:
        self.name = name
        self.account = account
        self.channel = name

    @abstractmethod
    def parse(self, update: Mapping[str, Any]) -> list[Inbound]:
        """Turn one platform update into inbound messages (pure: no I/O)."""

    @abstractmethod
    async def send(self, to: Identity, message: Outbound, *, key: str = "") -> SendReceipt:
        """Send one message, already degraded to ``capabilities``.

        ``key`` is stable across retries of the same message (an idempotency key); pass it
        on where the platform or client can use it. Raises ``ConnectorError`` subclasses:
        ``RateLimited``, ``Unreachable``, ``TransientError``..."""

    async def send_in_context(
        self, to: Identity, message: Outbound, *, key: str = "", context: SendContext
    ) -> SendReceipt:
        """``send`` with the window context; connectors with ``needs_window`` override it
        (raising ``OutsideWindow`` when nothing may be sent)."""
        return await self.send(to, message, key=key)

    def routes(self) -> Sequence[AnyRoute]:
        """HTTP routes this connector serves (webhooks, pages)."""
        return ()

    def continue_link(self, code: str) -> str | None:
        """A link that opens this channel with a link code ready to send (a Telegram deep
        link, a WhatsApp click-to-chat link...), or None when the channel has none."""
        return None

    async def start(self, context: ConnectorContext) -> None:  # noqa: B027 - optional hook
        """Begin receiving (start polling, register a webhook). Must return promptly."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Stop receiving and release connections."""

    async def __aenter__(self) -> BaseConnector:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
