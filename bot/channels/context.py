"""What the runtime hands a connector: where inbound messages and delivery statuses go,
and a little durable state of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.channels.recall import Recall
from bot.messages import Identity, Inbound


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
    #: The platform says the customer cannot be reached on this identity at all (a hard
    #: bounce): the identity is marked unreachable, as when a send raises ``Unreachable``.
    unreachable: bool = False


#: Where connectors hand delivery statuses (the runtime decides where they are recorded).
StatusSink = Callable[[DeliveryStatus], Awaitable[None]]
#: Where connectors report that a customer is typing (no message, no turn: the operator
#: console shows "typing…"); only channels whose platform reports it call it.
TypingSink = Callable[[Identity], Awaitable[None]]


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
    #: Where "the customer is typing" goes; None: nobody listens.
    typing: TypingSink | None = None
    #: What we know of the customer behind an identity (their language, their
    #: conversation so far); None: the runtime does not offer it.
    recall: Recall | None = None
