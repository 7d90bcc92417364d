"""The event webhooks' delivery worker: claims due (subscription, customer) pairs from
the store, posts each customer's events to the endpoint one at a time, in commit order,
and retries with exponential backoff until ``retry_for_seconds`` have passed since the
first failure; then the event becomes a dead letter and the customer's next one goes.

It runs beside the turns, never inside them: a slow or dead endpoint costs this worker
its (bounded) concurrency and its per-request timeout, and no turn waits for it.
Delivery is at least once: a worker that dies after the endpoint answered but before its
position was written leaves the event to be sent again, with the same id.

Subscriptions come from config.yaml and from the API (``bot/store/subscriptions.py``),
read again every ``events.refresh_seconds``: an API-made one gets the events committed
from its creation on (entries stamped earlier are passed over), and the store's streams
are rung for it once when this process first sees it, so the events committed before
that, in a process that had not seen it yet, are not left waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp

from bot.config.events import EventsSettings, SubscriptionSettings
from bot.errors import StoreError
from bot.pipeline import hashed
from bot.store.hooks import EventOutbox, Pending
from bot.store.scripts import now_ms
from bot.store.subscriptions import SubscriptionStore
from bot.tasks import TaskTracker
from bot.webhooks.events import BusinessEvent
from bot.webhooks.signing import HEADER, sign

log = logging.getLogger(__name__)


class EventDeliverer:
    """Delivers committed events to ``settings.subscriptions``; ``run`` until stopped."""

    def __init__(self, *, outbox: EventOutbox, settings: EventsSettings,
                 stored: SubscriptionStore | None = None, poll_seconds: float = 0.2) -> None:
        self.outbox = outbox
        self.settings = settings
        self.configured = {s.key: s for s in settings.subscriptions}
        self.subscriptions = dict(self.configured)
        #: The API's subscriptions (None: config.yaml's only), and when each began (ms).
        self.stored = stored
        self.since_ms: dict[str, int] = {}
        self._refreshed_at = float("-inf")
        self.poll_seconds = poll_seconds
        self.deliveries = TaskTracker("event deliveries")
        self._http: aiohttp.ClientSession | None = None

    async def run(self, stop: asyncio.Event, *, drain_timeout: float = 5.0) -> None:
        self._http = aiohttp.ClientSession(headers={"User-Agent": "Omnicanal-Webhooks/1"})
        try:
            while not stop.is_set():
                if time.monotonic() - self._refreshed_at >= self.settings.refresh_seconds:
                    await self.refresh()
                free = self.settings.concurrency - len(self.deliveries)
                claimed = await self._claim(free) if free > 0 else []
                for name, customer_id in claimed:
                    self.deliveries.spawn(self._deliver(name, customer_id),
                                          name=f"events:{name}:{customer_id}")
                if not claimed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.poll_seconds)
        finally:
            await self.deliveries.drain(drain_timeout)
            await self._http.close()

    async def refresh(self) -> None:
        """Take in the subscriptions made and deleted through the API since last time."""
        if self.stored is None:
            return
        self._refreshed_at = time.monotonic()
        try:
            made = await self.stored.all()
        except StoreError as exc:  # the loop's boundary: keep the ones known, go on
            log.warning("could not read the API's webhook subscriptions: %s", exc)
            return
        found = {s.id: SubscriptionSettings(url=s.url, secret=s.secret, types=s.types,
                                            name=s.id) for s in made}
        new = set(found) - set(self.subscriptions)
        self.subscriptions = {**found, **self.configured}
        self.since_ms = {s.id: s.created_ms for s in made}
        self.outbox.subscriptions = tuple(self.subscriptions)
        if new:
            try:
                await self.outbox.recover()
            except StoreError as exc:  # the customers' next commits ring them instead
                log.warning("could not ring the streams for new subscriptions: %s", exc)

    async def _claim(self, count: int) -> list[tuple[str, str]]:
        try:
            return await self.outbox.claim_due(count)
        except StoreError as exc:  # the loop's boundary: back off, go on
            log.warning("could not claim due events: %s", exc)
            return []

    async def _deliver(self, name: str, customer_id: str) -> None:
        """Deliver what the customer has waiting for one subscription, in order; stop at
        the first failure (the pair comes due again at its retry time)."""
        subscription = self.subscriptions.get(name)
        try:
            if subscription is None:  # removed from the config: nothing waits for it
                await self.outbox.settle(name, customer_id)
                return
            for entry in await self.outbox.pending(name, customer_id):
                if not await self._deliver_one(subscription, customer_id, entry):
                    return
            await self.outbox.settle(name, customer_id)
        except StoreError as exc:  # the claim's lease runs out and another worker retries
            log.warning("event delivery for customer %s stopped: %s", hashed(customer_id),
                        exc)

    async def _deliver_one(self, subscription: SubscriptionSettings, customer_id: str,
                           entry: Pending) -> bool:
        """True when the subscription is past ``entry`` (delivered, not for it, or dead)."""
        name = subscription.key
        event = BusinessEvent.from_json(entry.body)
        before_it = int(entry.entry_id.partition("-")[0]) < self.since_ms.get(name, 0)
        if before_it or (entry.only is not None and entry.only != name) or \
                not subscription.wants(event.type):
            await self.outbox.delivered(name, customer_id, entry.entry_id)
            return True
        await self.outbox.extend(name, customer_id)
        error = await self._post(subscription, event, entry.body)
        if error is None:
            await self.outbox.delivered(name, customer_id, entry.entry_id)
            return True
        attempts, first_ms = await self.outbox.attempts(name, customer_id)
        now = now_ms()
        if first_ms is not None and now - first_ms >= self.settings.retry_for_seconds * 1000:
            log.warning("event %s to %s is a dead letter after %d attempts: %s", event.id,
                        name, attempts + 1, error)
            await self.outbox.bury(name, customer_id, entry, event_id=event.id, error=error,
                                   attempts=attempts + 1)
            return True
        await self.outbox.failed(name, customer_id,
                                 retry_at_ms=now + int(self.backoff(attempts) * 1000))
        return False

    def backoff(self, failed_before: int) -> float:
        """Seconds before the next attempt, after ``failed_before`` failures before this one."""
        initial = self.settings.backoff_initial_seconds
        return float(min(self.settings.backoff_max_seconds, initial * 2 ** min(failed_before,
                                                                               40)))

    async def _post(self, subscription: SubscriptionSettings, event: BusinessEvent,
                    body: bytes) -> str | None:
        """Post one event: None when the endpoint took it (2xx), else why not."""
        assert self._http is not None, "run() opens the HTTP session"
        headers = {"Content-Type": "application/json",
                   HEADER: sign(subscription.secret.get_secret_value(), body,
                                timestamp=int(time.time())),
                   "Omnicanal-Event-Id": event.id, "Omnicanal-Event-Type": event.type}
        try:
            async with self._http.post(
                    subscription.url, data=body, headers=headers,
                    timeout=aiohttp.ClientTimeout(total=subscription.timeout_seconds)) as answer:
                if 200 <= answer.status < 300:
                    return None
                return f"HTTP {answer.status}"
        except TimeoutError:
            return f"no answer within {subscription.timeout_seconds:g}s"
        except aiohttp.ClientError as exc:
            return f"{type(exc).__name__}: {exc}"
