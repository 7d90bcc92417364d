"""A provider that never leaves a customer without an answer: it asks a primary provider
(a remote model) and, when that times out, fails, or answers nothing usable, asks the
fallback (the built-in provider, which needs no network) instead.

This is the one boundary where a provider's failure stops: it is caught, logged (its type
and reason, never the customer's text) and counted, and the customer gets the fallback's
understanding. A primary that merely understood nothing is believed, not second-guessed.
"""

from __future__ import annotations

import logging
from collections import Counter

from bot.errors import ProviderError
from bot.logs import describe
from bot.understanding.contract import Provider, Request, Understanding

log = logging.getLogger(__name__)


class FallbackProvider:
    """``primary`` first, ``fallback`` when it fails. ``fallbacks`` counts the fallbacks
    by reason (``timeout``, ``error``, ``invalid``); ``errors`` counts every failure of
    the primary by provider name, for the metrics."""

    def __init__(self, primary: Provider, fallback: Provider) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name
        self.fallbacks: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    async def understand(self, request: Request) -> Understanding:
        try:
            return await self.primary.understand(request)
        except ProviderError as exc:
            reason = exc.reason
            log.warning("%s; the %s provider answers instead", exc, self.fallback.name)
        except TimeoutError:
            reason = "timeout"
            log.warning("%s timed out; the %s provider answers instead", self.primary.name,
                        self.fallback.name)
        except Exception as exc:  # a provider of one's own failed: the customer still waits
            reason = "error"
            log.warning("%s failed (%s); the %s provider answers instead",
                        self.primary.name, describe(exc), self.fallback.name)
        self.fallbacks[reason] += 1
        self.errors[self.primary.name] += 1
        return await self.fallback.understand(request)

    async def close(self) -> None:
        """Close whichever of the two owns a connection."""
        for provider in (self.primary, self.fallback):
            close = getattr(provider, "close", None)
            if close is not None:
                await close()
