"""``turn.services.http``: the HTTP client flows call business systems with.

aiohttp (already the core's HTTP library: the server, the webhooks' deliveries), one
connection pool per process, opened on first use. Every call has a total timeout, so a
slow ERP costs a turn at most ``timeout_seconds`` per attempt; idempotent calls (GET,
HEAD, PUT, DELETE, or any call with an ``Idempotency-Key`` header) are retried on a
network failure, a timeout, a 429 or a 502/503/504, with a doubling pause. Anything else
raises ``ServiceError("http", ...)`` with what failed; an answer is returned as it came
(``response.ok`` tells), so a 404 is the caller's to read.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.errors import ServiceError

log = logging.getLogger(__name__)

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
_RETRIED_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; ``ServiceError`` when it is not."""
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ServiceError("http", f"the answer ({self.status}) is not JSON: "
                               f"{exc}") from None


class HttpService:
    def __init__(self, *, timeout_seconds: float = 10.0, retries: int = 2,
                 backoff_seconds: float = 0.2, user_agent: str = "Omnicanal/1") -> None:
        if timeout_seconds <= 0 or retries < 0 or backoff_seconds < 0:
            raise ValueError("timeout_seconds must be positive; retries and "
                             "backoff_seconds at least 0")
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers={"User-Agent": self.user_agent})
        return self._session

    async def request(self, method: str, url: str, *, json_body: Any = None,
                      headers: Mapping[str, str] | None = None,
                      timeout_seconds: float | None = None) -> HttpResponse:
        """Call ``url``; retried as the module says. ``json_body`` is sent as JSON."""
        method = method.upper()
        sent = dict(headers or {})
        retried = method in _IDEMPOTENT or any(k.lower() == "idempotency-key" for k in sent)
        attempts = 1 + (self.retries if retried else 0)
        timeout = (aiohttp.ClientTimeout(total=timeout_seconds) if timeout_seconds
                   else self.timeout)
        problem = ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            try:
                async with self._client().request(method, url, json=json_body, headers=sent,
                                                  timeout=timeout) as answer:
                    body = await answer.read()
                    response = HttpResponse(answer.status, dict(answer.headers), body)
            except TimeoutError:
                problem = f"no answer within {timeout.total:g}s"
            except aiohttp.ClientError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status not in _RETRIED_STATUSES or attempt == attempts - 1:
                    return response
                problem = f"answered {response.status}"
            log.info("%s %s: %s (attempt %d of %d)", method, _origin(url), problem,
                     attempt + 1, attempts)
        raise ServiceError("http", f"{method} {_origin(url)} failed after {attempts} "
                           f"attempt(s): {problem}")

    async def get_json(self, url: str, *, headers: Mapping[str, str] | None = None) -> Any:
        """GET ``url`` and its JSON; ``ServiceError`` on a non-2xx answer."""
        response = await self.request("GET", url, headers=headers)
        if not response.ok:
            raise ServiceError("http", f"GET {_origin(url)} answered {response.status}")
        return response.json()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _origin(url: str) -> str:
    """The URL without its query (which may carry a key), for messages and logs."""
    return url.split("?", 1)[0]
