"""What a running bot adds to the flows' services at start-up: the store's catalogue (fed
by its configured source) and the customer directory.

- ``source: file``: ``catalogue.path`` is validated and published at start-up; every
  process publishes the same document, which changes no version (it is compared by
  digest), so editing the file and restarting is how its prices change.
- ``source: api``: pushed to ``PUT /api/v1/catalogue``; ``path``, if set, fills an empty
  store once (a restart never undoes a push).
- ``source: http``: ``catalogue.url`` is polled by every process that runs turns, once
  before it starts (a failure is logged and the catalogue held serves), then every
  ``poll_seconds``; ``path``, if set, fills an empty store first (an ERP down at the
  very first start still leaves a catalogue).

A bad file stops start-up with the product and field (``ConfigError``); a bad poll or
push keeps the catalogue held.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.catalogue.poller import CataloguePoller
from bot.catalogue.service import StoredCatalogue, read_catalogue_file
from bot.channels import BaseConnector
from bot.config.settings import Settings
from bot.errors import CatalogueError, ConfigError
from bot.services.customers import CustomerService
from bot.services.registry import Services
from bot.store.catalogue import CatalogueStore
from bot.store.directory import CustomerDirectory
from bot.store.links import LinkStore
from bot.store.store import Store
from bot.tasks import TaskTracker


async def start_services(settings: Settings, store: Store, services: Services,
                         links: LinkStore | None, secret: bytes,
                         connectors: Mapping[str, BaseConnector], *, chores: TaskTracker,
                         stop: asyncio.Event, poll: bool) -> CatalogueStore:
    """Feed the store's catalogue from its source and put it and ``customers`` into
    ``services``; ``poll``: this process polls ``catalogue.url`` (it runs turns)."""
    cfg = settings.catalogue
    held = CatalogueStore(store.redis, keys=store.keys)
    if cfg.path is not None and (cfg.source == "file" or await held.version() == 0):
        try:
            catalogue = read_catalogue_file(cfg.path)
        except CatalogueError as exc:
            raise ConfigError([f"catalogue.path: {exc}"]) from None
        await held.publish(catalogue.canonical_json(), source=f"file {cfg.path}")
    if cfg.source == "http" and cfg.url is not None and poll:
        poller = CataloguePoller(store=held, url=cfg.url,
                                 headers={k: v.get_secret_value()
                                          for k, v in cfg.headers.items()},
                                 poll_seconds=cfg.poll_seconds,
                                 timeout_seconds=cfg.timeout_seconds, max_bytes=cfg.max_bytes)
        await poller.poll_logged()  # fresh before the first turn, when the ERP answers
        chores.spawn(poller.run(stop, now=False), name="catalogue-poller")
    if cfg.path is not None or cfg.source != "file":
        services.provide("catalogue", StoredCatalogue(held))
    directory = CustomerDirectory(store.redis, keys=store.keys, links=links, secret=secret)
    services.provide("customers", CustomerService(
        store=store, directory=directory,
        accounts=[(c.channel, c.account) for c in connectors.values()]))
    return held
