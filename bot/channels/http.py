"""One POST to a platform's HTTP API, for connectors that speak plain HTTP (Meta's Graph
API, Twilio): the answer decoded, or the typed error of ``bot.errors``.

Each platform maps its own error bodies (``to_error``); what is the same everywhere lives
here: a timeout or a refused connection is a ``TransientError`` (the dispatcher retries
with the same idempotency key), a non-JSON answer is one too, and ``Retry-After`` is read
the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from bot.errors import ConnectorError, TransientError

#: Builds the platform's typed error from (status, decoded body or None, headers).
ErrorMapper = Callable[[int, object, Mapping[str, str]], ConnectorError]


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (never negative), or None."""
    value = (headers or {}).get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


async def post_for_json(session: aiohttp.ClientSession, channel: str, platform: str,
                        url: str, *, to_error: ErrorMapper,
                        timeout: aiohttp.ClientTimeout, **request: Any) -> dict[str, Any]:
    """POST to ``url`` (``request``: aiohttp's json=/data=/headers=/params=) and return
    the JSON object answered; ``platform`` names the API in error messages."""
    try:
        async with session.post(url, timeout=timeout, **request) as response:
            try:
                answer: object = await response.json(content_type=None)
            except ValueError:
                answer = None
            if response.status >= 300:
                raise to_error(response.status, answer, response.headers)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransientError(channel, f"{platform} unreachable: {exc!r}") from exc
    if not isinstance(answer, dict):
        raise TransientError(channel, f"{platform} answered {response.status} without JSON")
    return answer
