"""Talking to the Graph API: one POST helper, one function mapping Graph errors to the typed
errors of ``bot.errors``, and a token bucket pacing sends per number."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.channels.http import post_for_json, retry_after
from bot.errors import (
    AuthenticationFailed,
    ConnectorError,
    OutsideWindow,
    PlatformError,
    RateLimited,
    TransientError,
    Unreachable,
)

log = logging.getLogger(__name__)

JSON = dict[str, Any]

#: Seconds to wait on a throughput limit when no Retry-After header says otherwise:
#: 130429 is per number per second; 131056 is the pair limit (~1 message per 6 s).
RATE_LIMIT_BACKOFF: dict[int, float] = {130429: 1.0, 131056: 6.0, 4: 60.0, 80007: 60.0,
                                        613: 60.0}
#: 131047: WhatsApp's 24-hour window; 10/2018278: Messenger's ("outside of allowed window").
WINDOW_CODES = frozenset({131047})
WINDOW_SUBCODES = frozenset({2018278})
#: Messenger: "This person isn't available right now".
UNREACHABLE_CODES = frozenset({551})
TRANSIENT_CODES = frozenset({1, 2})
#: 131062: WhatsApp takes this message only for a phone number, not for a business-scoped
#: user id (e.g. one-tap, zero-tap and copy-code authentication templates).
BSUID_REFUSED = 131062
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


def graph_error(channel: str, status: int, body: object,
                headers: Mapping[str, str] | None = None) -> ConnectorError:
    """The typed error for a non-2xx Graph answer (``body`` is the decoded JSON, if any)."""
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = str(error.get("message") or f"HTTP {status}")
    details = error.get("error_data", {}).get("details") if isinstance(
        error.get("error_data"), dict) else None
    text = f"{message} ({details})" if details and details != message else message
    if isinstance(code, int) and code in RATE_LIMIT_BACKOFF:
        return RateLimited(channel, retry_after(headers) or RATE_LIMIT_BACKOFF[code], text)
    if code in WINDOW_CODES or subcode in WINDOW_SUBCODES:
        return OutsideWindow(channel, f"the customer-service window is closed: {text}")
    if code == 190 or status == 401:
        # Nothing will work until someone fixes the token: say it loudly.
        log.error("%s: the Graph API rejected the access token (%s); fix the connector's"
                  " token in config.yaml", channel, message)
        return AuthenticationFailed(channel, f"access token rejected: {message}")
    if code == BSUID_REFUSED:
        return PlatformError(channel, code, (
            "this message cannot be sent to a customer known only by their business-scoped"
            " user id; it needs their phone number (authentication templates do: use"
            f" another template, or reach the customer on another channel) ({text})"))
    if code in UNREACHABLE_CODES:
        return Unreachable(channel, text)
    if status >= 500 or code in TRANSIENT_CODES:
        return TransientError(channel, f"Graph API answered {status}: {text}")
    return PlatformError(channel, code if isinstance(code, int | str) else status, text)


async def post_json(session: aiohttp.ClientSession, channel: str, url: str, body: JSON, *,
                    headers: Mapping[str, str] | None = None,
                    params: Mapping[str, str] | None = None) -> JSON:
    """POST ``body`` and return the decoded answer; raise the typed error otherwise."""
    return await post_for_json(
        session, channel, "Graph API", url, json=body, headers=headers, params=params,
        timeout=REQUEST_TIMEOUT,
        to_error=lambda status, answer, hdrs: graph_error(channel, status, answer, hdrs))


class TokenBucket:
    """At most ``rate`` acquisitions per second (bursts up to ``rate``). Waiters sleep
    exactly as long as the deficit, one at a time, so there is no busy loop."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.capacity = max(rate, 1.0)
        self.tokens = self.capacity
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            self._refill()
            if self.tokens < 1:
                await asyncio.sleep((1 - self.tokens) / self.rate)
                self._refill()
            self.tokens -= 1

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
