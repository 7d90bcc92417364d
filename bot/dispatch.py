"""Sending committed replies: in order per customer, degraded to the channel, retried.

A delivery leaves the outbox only once the platform accepted every part of it. Rate
limits wait as long as the platform asks; network errors back off; a customer who blocked
the bot is marked unreachable on that identity and recorded in their history, not retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Mapping, Sequence
from functools import partial
from typing import Any

from bot.channels import BaseConnector, SendContext, SendReceipt
from bot.channels.render import render
from bot.errors import ConnectorError, RateLimited, StoreError, TransientError, Unreachable
from bot.messages import Outbound
from bot.metrics import Metrics
from bot.model import Delivery, Event
from bot.store.results import NoSend, SendAnswer
from bot.store.store import Store
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)


class _TakenOver(Exception):
    """Another process holds this reply's send claim now (this one was paused past the
    stale time): it sends the reply; this sender must not."""


class Dispatcher:
    def __init__(
        self,
        *,
        store: Store,
        connectors: Mapping[str, BaseConnector],
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.connectors = connectors
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.metrics = metrics or Metrics()
        self.senders = TaskTracker("senders")
        #: The task sending each customer's replies now: a pump of ours, or the task of a
        #: turn that sends its own (``send_here``).
        self._senders: dict[str, asyncio.Task[Any]] = {}
        #: Who waits in ``settled`` for a customer's sender to stop (rare: the worker
        #: role). Told when the sender's pump ends, not when its task does: a turn's task
        #: is parked for the next turn afterwards (``TaskTracker.run``), it does not end.
        self._settling: dict[str, list[asyncio.Future[None]]] = {}
        self._again: set[str] = set()
        self._claimed: dict[str, deque[Delivery]] = {}
        #: Customers whose replies could not all be sent (the store failed meanwhile):
        #: a worker must not acknowledge their work, so it is retried.
        self.stranded: set[str] = set()

    async def submit(self, customer_id: str, deliveries: Sequence[Delivery]) -> None:
        """Send messages that no turn committed (a scheduled or system message): recorded
        in the outbox first, so they survive a crash and follow the same rules."""
        await self.store.outbox.add(customer_id, deliveries)
        self.enqueue(customer_id)

    def enqueue(self, customer_id: str, claimed: SendAnswer | None = None) -> None:
        """Tell the dispatcher this customer has replies in the outbox (``claimed``: the
        first one, already claimed for sending by the commit). Replies are pulled from the
        outbox in commit order, so whichever process sends them, a customer's replies
        never overtake each other."""
        busy, first = self._hold(customer_id, claimed)
        if busy:
            return
        self._senders[customer_id] = self.senders.spawn(self._pump(customer_id, first),
                                                        name=f"send:{customer_id}")

    async def send_here(self, customer_id: str, claimed: SendAnswer | None = None) -> None:
        """Like ``enqueue``, but when no one sends for this customer yet, the calling task
        does, and returns once their replies are out. A turn that has nothing left to do
        sends its own replies this way instead of spawning a task for them."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("send_here runs inside a task")
        busy, first = self._hold(customer_id, claimed)
        if busy:
            return
        self._senders[customer_id] = task
        await self._pump(customer_id, first)

    def _hold(self, customer_id: str, claimed: SendAnswer | None,
              ) -> tuple[bool, Delivery | None]:
        """Whether a sender runs for the customer already, and what a new one starts with.
        Nearly every turn: nobody sends for them and nothing is held, so ``claimed`` is
        the next reply in commit order and the new sender starts with it. Otherwise it is
        held behind what waits, and a running sender is told to look again."""
        delivery = claimed if isinstance(claimed, Delivery) else None
        busy = customer_id in self._senders
        if not busy and not self._claimed.get(customer_id):
            return False, delivery
        if delivery is not None:
            self._claimed.setdefault(customer_id, deque()).append(delivery)
        if busy:
            self._again.add(customer_id)
        return busy, None

    async def settled(self, customer_id: str) -> None:
        """Wait until this customer's replies have been handed to the platforms and
        cleared from the outbox (raises what stopped their sender otherwise: cancelled, it
        raises CancelledError; ``StoreError`` when the store did not take the clearing)."""
        sender = self._senders.get(customer_id)
        if sender is not None and sender is not asyncio.current_task():
            waiter = asyncio.get_running_loop().create_future()
            self._settling.setdefault(customer_id, []).append(waiter)
            await waiter
        await self.store.outbox.acks.flush(customer_id)

    def _settle(self, customer_id: str, stopped: BaseException | None = None) -> None:
        """The customer's sender stops: tell those waiting in ``settled``."""
        for waiter in self._settling.pop(customer_id, ()):
            if waiter.done():
                continue
            if isinstance(stopped, asyncio.CancelledError):
                waiter.cancel()
            elif stopped is not None:
                waiter.set_exception(stopped)
            else:
                waiter.set_result(None)

    async def _pump(self, customer_id: str, first: Delivery | None = None) -> None:
        pause = 0.005
        outcome: SendAnswer | None = first
        try:
            while True:
                if outcome is None:
                    held = self._claimed.get(customer_id)
                    outcome = held.popleft() if held else await self.store.outbox.next(
                        customer_id)
                if isinstance(outcome, Delivery):
                    outcome = await self.deliver(outcome)
                    pause = 0.005
                elif outcome is NoSend.WAIT:  # the reply before is being sent (maybe elsewhere)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 0.5)
                    outcome = None
                elif self._claimed.get(customer_id) or customer_id in self._again:
                    self._again.discard(customer_id)
                    outcome = None
                else:
                    return
        except StoreError as exc:
            self.stranded.add(customer_id)
            log.warning("replies kept in the outbox (recovery resends them): %s", exc)
        except BaseException as exc:  # told to those waiting, then as it was
            self._settle(customer_id, exc)
            raise
        finally:
            del self._senders[customer_id]
            if not self._claimed.get(customer_id):
                self._claimed.pop(customer_id, None)
            if self._settling:
                self._settle(customer_id)

    async def deliver(self, delivery: Delivery) -> SendAnswer:
        """Send one claimed delivery; once the platform took it (or it was given up) it
        leaves the outbox, and the customer's next reply is claimed: returned here."""
        connector = self.connectors.get(delivery.to.channel)
        if connector is None:
            return await self._give_up(delivery,
                                       f"channel {delivery.to.channel!r} is not enabled")
        parts = render(delivery.message, connector.capabilities)
        # Read only if the connector asks (windowed channels: WhatsApp, Messenger).
        context = SendContext(delivery.origin, last_inbound=partial(self._last_inbound, delivery))
        try:
            for index, part in enumerate(parts):
                # Globally unique and the same on every retry or resend after a crash.
                key = f"{delivery.customer_id}.{delivery.id}.{index}"
                try:  # the first attempt, here: nearly every part goes out at once
                    await self._send(connector, delivery, part, key, context)
                except (RateLimited, TransientError) as exc:
                    await self._send_with_retries(connector, delivery, part, key, context,
                                                  failed=exc)
        except _TakenOver:
            log.warning("delivery %s: another process took it over while this one waited "
                        "to retry; it is left to that one", delivery.id)
            return NoSend.NONE
        except Unreachable as exc:
            self.metrics.send_errors.labels(delivery.to.channel, "unreachable").inc()
            await self.store.mark_unreachable(delivery.customer_id, delivery.to, str(exc))
            return await self._give_up(delivery, f"unreachable: {exc}")
        except ConnectorError as exc:
            self.metrics.send_errors.labels(delivery.to.channel, type(exc).__name__).inc()
            return await self._give_up(delivery, str(exc))
        self.metrics.sent.inc((delivery.to.channel, delivery.origin))
        if self.store.outbox.sent_later(delivery.customer_id, delivery.id):
            return NoSend.NONE  # its commit's one reply: acknowledged with the next call
        return await self.store.outbox.sent(delivery.customer_id, delivery.id)

    async def _last_inbound(self, delivery: Delivery) -> float | None:
        """When the customer last wrote on the identity ``delivery`` goes to."""
        return (await self.store.last_inbound(delivery.customer_id)).get(delivery.to.key)

    @staticmethod
    def _send(connector: BaseConnector, delivery: Delivery, part: Outbound, key: str,
              context: SendContext) -> Awaitable[SendReceipt]:
        """One attempt (its coroutine, started by the caller's await: no frame of its own)."""
        return connector.send(delivery.to, part, key=key, context=context)

    async def _send_with_retries(
        self, connector: BaseConnector, delivery: Delivery, part: Outbound, key: str,
        context: SendContext, *, failed: RateLimited | TransientError,
    ) -> None:
        """The first attempt failed with ``failed``: wait as the platform or the backoff
        says and try again, up to ``max_attempts`` attempts in all."""
        delay = self.backoff_base
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                try:
                    await self._send(connector, delivery, part, key, context)
                    return
                except (RateLimited, TransientError) as exc:
                    failed = exc
            if isinstance(failed, RateLimited):
                self.metrics.send_errors.labels(delivery.to.channel, "rate_limited").inc()
                wait = failed.retry_after
            else:
                self.metrics.send_errors.labels(delivery.to.channel, "transient").inc()
                wait = delay
                delay = min(delay * 2, self.backoff_max)
            if attempt == self.max_attempts:
                break
            log.info("send to %s deferred %.1fs (attempt %d)", delivery.to.channel, wait, attempt)
            await self._wait_holding(delivery, wait)
        raise ConnectorError(delivery.to.channel, f"gave up after {self.max_attempts} attempts")

    async def _wait_holding(self, delivery: Delivery, seconds: float) -> None:
        """Wait before a retry while keeping the reply's send claim ours: renewed at least
        three times per stale period (a rate limit may ask for minutes, and a claim left
        alone that long is taken over as a dead sender's, then sent twice), and checked
        once more before the retry, in case this process was paused meanwhile."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        step = self.store.outbox.stale_ms / 3000
        while True:
            if not await self.store.outbox.still_sending(delivery.customer_id, delivery.id):
                raise _TakenOver(delivery.id)
            remaining = end - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(min(step, remaining))

    async def _give_up(self, delivery: Delivery, why: str) -> SendAnswer:
        """Record in the customer's history that a reply could not be delivered (nothing
        is dropped silently), clear it, and claim the next one."""
        log.warning("delivery %s to %s failed: %s", delivery.id, delivery.to.channel, why)
        event = Event(kind="error", channel=delivery.to.channel, identity=delivery.to.key,
                      text=f"message not delivered: {why}", data={"delivery": delivery.id})
        await self.store.append_events(delivery.customer_id, [event])
        return await self.store.outbox.sent(delivery.customer_id, delivery.id)

    async def close(self, timeout: float) -> None:
        await self.senders.drain(timeout)
