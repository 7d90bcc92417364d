"""Every error Omnicanal raises on purpose, in one tree.

Messages say what went wrong and how to fix it. Callers catch the narrowest class they
can handle; only loop boundaries (a polling loop, a webhook handler, a worker) catch
``BotError`` or broader.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error Omnicanal raises on purpose."""


class ConfigError(BotError):
    """config.yaml (or the environment it reads) is wrong.

    ``problems`` holds one line per problem: the key path, what is wrong, how to fix it.
    """

    def __init__(self, problems: list[str], *, source: str | None = None) -> None:
        self.problems = problems
        #: Whether the raiser knew the file; one that did not (a flow module's problem)
        #: is given it by the caller that does, with ``at``.
        self.located = source is not None
        self.source = source or "config.yaml"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.source} is not valid:\n{lines}")

    def at(self, source: str) -> ConfigError:
        """This error, about ``source`` unless it already named its file."""
        return self if self.located else ConfigError(self.problems, source=source)


class KnowledgeError(ConfigError):
    """The knowledge base has bad entries (``knowledge.paths`` in config.yaml).

    ``problems`` holds one line per problem: the file (and entry), what is wrong, how to
    fix it. A ``ConfigError``, so ``omnicanal check`` and ``omnicanal run`` report it the
    same way and stop."""


class ConnectorTypeError(BotError):
    """A connector section's ``type`` names no usable connector class: an unknown name, a
    module that is not installed, a missing attribute, or a class that is not a
    ``BaseConnector``. The config loader reports it under the section's key."""


class StoreError(BotError):
    """The session store failed or is unreachable."""


class StaleWrite(StoreError):
    """A commit was refused: another turn owns the customer now, or the session moved on.

    The writer lost its lease (it paused or ran too long) and its changes were dropped;
    the turn that holds the lease now will process the message again.
    """


class FlowError(BotError):
    """A flow is defined wrongly: an unknown step, a duplicate name, a bad trigger."""


class ConnectorError(BotError):
    """A platform refused or failed a call. ``channel`` names the connector."""

    def __init__(self, channel: str, message: str) -> None:
        self.channel = channel
        super().__init__(f"{channel}: {message}")


class RateLimited(ConnectorError):
    """The platform asked us to slow down; retry after ``retry_after`` seconds."""

    def __init__(self, channel: str, retry_after: float, message: str = "rate limited") -> None:
        self.retry_after = retry_after
        super().__init__(channel, f"{message} (retry after {retry_after:g}s)")


class Unreachable(ConnectorError):
    """The customer cannot be reached on this identity (blocked the bot, left, deleted)."""


class OutsideWindow(ConnectorError):
    """The platform's customer-service window is closed and no template or tag is configured.

    Configure a template (WhatsApp) or a message tag (Messenger) for this kind of message,
    or wait until the customer writes again.
    """


class AuthenticationFailed(ConnectorError):
    """The platform rejected our credentials: the connector cannot work until they are fixed."""


class PlatformError(ConnectorError):
    """Any other error answered by the platform, with its own code and description."""

    def __init__(self, channel: str, code: int | str, description: str) -> None:
        self.code = code
        self.description = description
        super().__init__(channel, f"error {code}: {description}")


class TransientError(ConnectorError):
    """A network failure or a 5xx: the same call may succeed later."""


class ProviderError(BotError):
    """An understanding provider failed on its own side: ``reason`` is ``timeout`` (no
    answer in time), ``error`` (the server refused or failed the call) or ``invalid``
    (it answered, but nothing usable). The fallback provider answers instead."""

    def __init__(self, provider: str, reason: str, message: str) -> None:
        self.provider = provider
        self.reason = reason
        super().__init__(f"{provider}: {message}")


class CatalogueError(BotError):
    """Catalogue data was refused whole (the previous catalogue stays), or there is no
    catalogue yet. The message names the product and the field that are wrong."""


class ServiceError(BotError):
    """A business service a flow called failed: ``service`` names it (``http``,
    ``orders``...). A step may catch it and answer; uncaught, the customer gets the
    engine's apology and the session stays as it was."""

    def __init__(self, service: str, message: str) -> None:
        self.service = service
        super().__init__(f"{service}: {message}")


class MissingService(ServiceError, AttributeError):
    """A flow asked for a service nobody registered (an ``AttributeError`` too, so
    ``hasattr(turn.services, name)`` answers False)."""


class EndpointError(BotError):
    """A webhook endpoint could not be reached, or broke the HTTP exchange (closed the
    connection, answered something that is not HTTP/1.1, failed TLS verification). The
    event is retried with backoff; the message says what the endpoint did."""
