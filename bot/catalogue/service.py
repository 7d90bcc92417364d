"""What a flow reads the catalogue through: ``await turn.services.catalogue.current()``.

- ``StoredCatalogue`` (a running bot): the store's one catalogue, cached by version. Each
  read asks the store for the version alone (one ``HGET``, tens of microseconds on a
  local server) and parses the document only when it moved, so a price change reaches
  every process on its next read, with no poll interval to wait out and no pub/sub
  subscription to lose on a reconnect.
- ``FixedCatalogue`` (``FlowTester``, ``omnicanal check``, conversation tests): one
  catalogue held in memory, e.g. read from the project's JSON file.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from pathlib import Path

from bot.catalogue.model import Catalogue, parse_catalogue
from bot.errors import CatalogueError
from bot.store.catalogue import CatalogueStore


class CatalogueService(ABC):
    """Products and prices, as they are now."""

    @abstractmethod
    async def current(self) -> Catalogue:
        """The catalogue in force; ``CatalogueError`` when there is none yet."""


class FixedCatalogue(CatalogueService):
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    @classmethod
    def from_file(cls, path: Path | str) -> FixedCatalogue:
        """The catalogue in the JSON file ``path``, validated (``CatalogueError``)."""
        return cls(read_catalogue_file(Path(path)))

    async def current(self) -> Catalogue:
        return self.catalogue


class StoredCatalogue(CatalogueService):
    def __init__(self, store: CatalogueStore) -> None:
        self.store = store
        self._version = 0
        self._catalogue: Catalogue | None = None
        self._fetching = asyncio.Lock()

    async def current(self) -> Catalogue:
        version = await self.store.version()
        if version != self._version or self._catalogue is None:
            async with self._fetching:  # many turns at once after a change: one fetch
                if version != self._version or self._catalogue is None:
                    await self._fetch()
        if self._catalogue is None:
            raise CatalogueError("no catalogue in the store yet: set catalogue.path (or "
                                 "catalogue.url) in config.yaml, or PUT one to "
                                 "/api/v1/catalogue")
        return self._catalogue

    async def _fetch(self) -> None:
        version, document = await self.store.read()
        if document is None:
            return
        # Validated when published; parsed again here because another process wrote it.
        self._catalogue = parse_catalogue(document, source="the store's catalogue")
        self._version = version


def read_catalogue_file(path: Path) -> Catalogue:
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the catalogue ({exc.strerror or exc}); "
                             "check catalogue.path in config.yaml") from None
    return parse_catalogue(text, source=str(path))
