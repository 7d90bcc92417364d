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

from bot.config.events import EventsSettings, SubscriptionSettings
from bot.errors import EndpointError, StoreError
from bot.pipeline import hashed
from bot.store.hooks import EventOutbox, Pending
from bot.store.scripts import now_ms
from bot.store.subscriptions import SubscriptionStore
from bot.tasks import TaskTracker
from bot.webhooks.http_client import WebhookClient
from bot.webhooks.requests import EventHead, Outgoing

log = logging.getLogger(__name__)


class EventDeliverer:
    """Delivers committed events to ``settings.subscriptions``; ``run`` until stopped."""

    def __init__(self, *, outbox: EventOutbox, settings: EventsSettings,
                 stored: SubscriptionStore | None = None, poll_seconds: float = 0.2,
                 http: WebhookClient | None = None) -> None:
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
        #: Its own kept-alive connections (``http``: one given, e.g. trusting a test CA).
        self.http = http or WebhookClient(max_idle=settings.concurrency)

    async def run(self, stop: asyncio.Event, *, drain_timeout: float = 5.0) -> None:
        wake = asyncio.Event()  # a delivery ended (a slot is free) or stop was set
        stopped = asyncio.ensure_future(stop.wait())
        stopped.add_done_callback(lambda _: wake.set())
        try:
            while not stop.is_set():
                if time.monotonic() - self._refreshed_at >= self.settings.refresh_seconds:
                    await self.refresh()
                free = self.settings.concurrency - len(self.deliveries)
                claimed = await self._claim(free) if free > 0 else []
                for name, customer_id in claimed:
                    task = self.deliveries.spawn(self._deliver(name, customer_id),
                                                 name=f"events:{name}:{customer_id}")
                    task.add_done_callback(lambda _: wake.set())
                if not claimed or len(self.deliveries) >= self.settings.concurrency:
                    # Claim again when a slot frees up (a customer's next events may be
                    # due at once), else when polled: not one poll late per free slot.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), self.poll_seconds)
                    wake.clear()
        finally:
            stopped.cancel()
            await self.deliveries.drain(drain_timeout)
            await self.http.close()

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
                                            name=s.id, batch=s.batch) for s in made}
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
        """Deliver what the customer has waiting for one subscription, in order, in runs
        read by one script call each (``EventOutbox.next_run``); stop at the first
        failure (the pair comes due again at its retry time)."""
        subscription = self.subscriptions.get(name)
        try:
            if subscription is None:  # removed from the config: nothing waits for it
                await self.outbox.let_go(name, customer_id)
                return
            past: str | None = None
            while True:
                leased_at = time.monotonic()  # next_run extends the claim from about now
                entries = await self.outbox.next_run(name, customer_id, past=past)
                if not entries:
                    return
                for group in self._requests(subscription, entries):
                    leased_at = await self._keep_lease(subscription, customer_id, leased_at)
                    if not await self._deliver_group(subscription, customer_id, group,
                                                     past):
                        return
                    past = group.last_id
                past = entries[-1].entry_id
        except StoreError as exc:  # the claim's lease runs out and another worker retries
            log.warning("event delivery for customer %s stopped: %s", hashed(customer_id),
                        exc)

    def _requests(self, subscription: SubscriptionSettings,
                  entries: list[Pending]) -> list[Outgoing]:
        """The run's entries the subscription wants, as its requests: one event each, or
        up to ``batch`` consecutive ones. The others (not for it, or committed before it
        existed) are passed over with the run."""
        name = subscription.key
        since = self.since_ms.get(name, 0)
        requests: list[Outgoing] = []
        for entry in entries:
            if (entry.only is not None and entry.only != name) or \
                    int(entry.entry_id.partition("-")[0]) < since:
                continue
            event = EventHead.of(entry.body)
            if not subscription.wants(event.type):
                continue
            if requests and len(requests[-1].entries) < subscription.batch:
                requests[-1].add(entry, event)
            else:
                requests.append(Outgoing([entry], [event], batched=subscription.batch > 1))
        return requests

    async def _keep_lease(self, subscription: SubscriptionSettings, customer_id: str,
                          leased_at: float) -> float:
        """Extend the claim when a request started now could outlast it; when it was
        last leased (``time.monotonic``)."""
        lease = self.outbox.lease_ms / 1000
        if time.monotonic() - leased_at + subscription.timeout_seconds < lease / 2:
            return leased_at
        await self.outbox.extend(subscription.key, customer_id)
        return time.monotonic()

    async def _deliver_group(self, subscription: SubscriptionSettings, customer_id: str,
                             request: Outgoing, past: str | None) -> bool:
        """True when the subscription is past the request's events (delivered or dead);
        ``past``: the last entry this claim got past before them."""
        name = subscription.key
        error = await self._post(subscription, request)
        if error is None:
            return True
        attempts, first_ms = await self.outbox.attempts(name, customer_id)
        now = now_ms()
        if first_ms is not None and now - first_ms >= self.settings.retry_for_seconds * 1000:
            log.warning("event(s) %s to %s are dead letters after %d attempts: %s",
                        ", ".join(e.id for e in request.events), name, attempts + 1, error)
            await self.outbox.bury(name, customer_id, request.entries,
                                   event_ids=[e.id for e in request.events], error=error,
                                   attempts=attempts + 1)
            return True
        await self.outbox.failed(name, customer_id, past=past,
                                 retry_at_ms=now + int(self.backoff(attempts) * 1000))
        return False

    def backoff(self, failed_before: int) -> float:
        """Seconds before the next attempt, after ``failed_before`` failures before this one."""
        initial = self.settings.backoff_initial_seconds
        return float(min(self.settings.backoff_max_seconds, initial * 2 ** min(failed_before,
                                                                               40)))

    async def _post(self, subscription: SubscriptionSettings,
                    request: Outgoing) -> str | None:
        """Post one request: None when the endpoint took it (2xx), else why not (a 3xx
        too: redirects are not followed)."""
        body, headers = request.signed(subscription.secret.get_secret_value())
        try:
            status = await self.http.post(subscription.url, body, headers,
                                          timeout=subscription.timeout_seconds)
        except TimeoutError:
            return f"no answer within {subscription.timeout_seconds:g}s"
        except EndpointError as exc:
            return str(exc)
        if 200 <= status < 300:
            return None
        if 300 <= status < 400:
            return f"HTTP {status} (redirects are not followed: subscribe the final URL)"
        return f"HTTP {status}"
