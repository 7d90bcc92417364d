"""``catalogue.source: http``: the ERP's catalogue endpoint, polled.

Each poll sends the ``ETag`` and ``Last-Modified`` of the document held now (kept in the
store with it, so a restarted process or another worker does not download it again): an
unchanged catalogue costs a 304 and nothing else. A new document is validated whole;
bad data is logged with the product and field that are wrong, and the catalogue held
stays, as it does when the endpoint is down, slow (``timeout_seconds``) or too large.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping

import aiohttp

from bot.catalogue.model import parse_catalogue
from bot.errors import CatalogueError, StoreError
from bot.store.catalogue import CatalogueStore, Published, Validators

log = logging.getLogger(__name__)


class CataloguePoller:
    def __init__(self, *, store: CatalogueStore, url: str, headers: Mapping[str, str],
                 poll_seconds: float, timeout_seconds: float, max_bytes: int) -> None:
        self.store = store
        self.url = url
        self.headers = dict(headers)
        self.poll_seconds = poll_seconds
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.max_bytes = max_bytes
        self._session: aiohttp.ClientSession | None = None

    async def poll_once(self) -> Published | None:
        """Ask the endpoint once; what was published, or None (unchanged, or refused)."""
        held = await self.store.validators()
        headers = dict(self.headers)
        if held.etag:
            headers["If-None-Match"] = held.etag
        if held.last_modified:
            headers["If-Modified-Since"] = held.last_modified
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.get(self.url, headers=headers, timeout=self.timeout) as answer:
            if answer.status == 304:
                return None
            if answer.status != 200:
                raise CatalogueError(f"{self.url} answered {answer.status}; the catalogue "
                                     "held stays")
            body = await answer.content.read(self.max_bytes + 1)
            if len(body) > self.max_bytes:
                raise CatalogueError(f"{self.url}: the catalogue is over catalogue.max_bytes "
                                     f"({self.max_bytes} bytes); the catalogue held stays")
            validators = Validators(etag=answer.headers.get("ETag"),
                                    last_modified=answer.headers.get("Last-Modified"))
        catalogue = parse_catalogue(body, source=self.url)
        published = await self.store.publish(catalogue.canonical_json(),
                                             source=f"http {self.url}",
                                             validators=validators)
        if published.changed:
            log.info("catalogue %d from %s: %d products", published.version, self.url,
                     len(catalogue.products))
        return published

    async def poll_logged(self) -> None:
        """Poll once; a refusal or a failure is logged and the catalogue held stays."""
        try:
            await self.poll_once()
        except CatalogueError as exc:
            log.error("catalogue not updated: %s", exc)
        except (aiohttp.ClientError, TimeoutError, StoreError) as exc:
            log.warning("catalogue poll of %s failed (the catalogue held stays): %s",
                        self.url, exc or type(exc).__name__)

    async def run(self, stop: asyncio.Event, *, now: bool = True) -> None:
        """Poll (now, unless ``now`` is False), then every ``poll_seconds``, until
        ``stop``."""
        try:
            while not stop.is_set():
                if now:
                    await self.poll_logged()  # the loop's boundary: it never raises
                now = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.poll_seconds)
        finally:
            await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
