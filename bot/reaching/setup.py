"""Building the business's voice from the settings: what the runtime wires in."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Protocol

from bot.api.app import BusinessApi
from bot.api.auth import ApiAuth
from bot.api.catalogue import CatalogueApi
from bot.api.customers import CustomersApi
from bot.api.dead_letters import DeadLettersApi
from bot.api.records import RecordsApi
from bot.api.subscriptions import SubscriptionsApi
from bot.campaigns.setup import campaign_clock, campaign_routes
from bot.channels import BaseConnector
from bot.config.settings import Settings
from bot.pipeline import Pipeline
from bot.privacy import CustomerRecords
from bot.reaching.entry import EntryPoints, Links
from bot.reaching.notifications import Notifier, Reaching
from bot.reaching.reminders import ReminderClock
from bot.store.catalogue import CatalogueStore
from bot.store.directory import CustomerDirectory
from bot.store.links import LinkStore
from bot.store.store import Store
from bot.store.subscriptions import SubscriptionStore
from bot.web.types import Route


def reaching_of(settings: Settings, connectors: Mapping[str, BaseConnector]) -> Reaching:
    return Reaching(notifications=settings.notifications, consent=settings.consent,
                    channels={name: c.capabilities for name, c in connectors.items()},
                    accounts=[(c.channel, c.account) for c in connectors.values()],
                    default_locale=settings.flows.default_locale)


def entry_routes(settings: Settings, *, secret: bytes, links: Links) -> list[Route]:
    """The QR entry points' landing pages and posters; none when none is configured."""
    if not settings.entry_points:
        return []
    return EntryPoints(secret=secret, entries=settings.entry_points, links=links,
                       public_url=settings.server.public_url,
                       default_locale=settings.flows.default_locale).routes()


class Clock(Protocol):
    """A loop that wakes scheduled work until ``stop`` is set."""

    async def run(self, stop: asyncio.Event) -> None: ...


def business_clocks(settings: Settings, store: Store, pipeline: Pipeline, *,
                    role: str) -> list[tuple[str, Clock]]:
    """What wakes the business's scheduled messages in a process that runs turns (not a
    web process): due reminders, and campaigns' recipients."""
    if role == "web":
        return []
    clocks: list[tuple[str, Clock]] = []
    if settings.reminders.enabled:
        clocks.append(("reminders", ReminderClock(
            store.reminder_index(), enqueue=pipeline.enqueue_business,
            poll_seconds=settings.reminders.poll_seconds,
            claim_seconds=settings.reminders.claim_seconds)))
    if settings.campaigns.enabled:
        clocks.append(("campaigns", campaign_clock(settings, store, pipeline)))
    return clocks


def api_routes(settings: Settings, *, store: Store, pipeline: Pipeline, reaching: Reaching,
               links: LinkStore | None, secret: bytes,
               records: CustomerRecords) -> list[Route]:
    """The business API's routes; none when config.yaml gives it no token."""
    if not settings.api.tokens:
        return []
    directory = CustomerDirectory(store.redis, keys=store.keys, links=links, secret=secret)
    notifier = Notifier(store=store, directory=directory, reaching=reaching,
                        enqueue=pipeline.enqueue_business,
                        idempotency_seconds=int(settings.api.idempotency_hours * 3600))
    auth = ApiAuth(settings.api.tokens)
    return [*BusinessApi(auth=auth, notifier=notifier, store=store, directory=directory,
                         enqueue=pipeline.enqueue_business).routes(),
            *CustomersApi(auth=auth, store=store, directory=directory,
                          enqueue=pipeline.enqueue_business, secret=secret,
                          accounts=reaching.accounts).routes(),
            *RecordsApi(auth=auth, records=records).routes(),
            *CatalogueApi(auth=auth, store=CatalogueStore(store.redis, keys=store.keys),
                          settings=settings.catalogue).routes(),
            *campaign_routes(settings, auth=auth, store=store, reaching=reaching,
                             flows=sorted(pipeline.engine.flows)),
            *(DeadLettersApi(auth=auth, events=store.events).routes()
              if store.events is not None else []),
            *(SubscriptionsApi(auth=auth, stored=SubscriptionStore.of(store),
                               configured=settings.events.subscriptions,
                               secret=secret).routes()
              if store.events is not None else [])]
