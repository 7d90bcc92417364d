"""Webhook subscriptions through the API (scope ``events:manage``), beside config.yaml's:

- ``GET /api/v1/events/subscriptions``: every subscription, config.yaml's too (marked
  ``"source": "config"``); secrets are never shown;
- ``POST /api/v1/events/subscriptions`` with ``url``, ``secret`` (write-only, at least 16
  characters), ``types`` (default every type) and ``batch`` (events per request, 1 to
  100, default 1): 201; it receives the events committed from its creation on;
- ``DELETE /api/v1/events/subscriptions/{id}``: 200; a config.yaml one is 409 (remove it
  there). What waited for it is let go; its dead letters stay until replayed or erased.

Stored in ``bot/store/subscriptions.py``; delivered by the same worker as config.yaml's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.api.app import PREFIX, parsed
from bot.api.auth import ApiAuth, guarded
from bot.api.pages import Cursors, Page
from bot.api.responses import json_response, problem
from bot.config.events import SubscriptionSettings
from bot.store.subscriptions import StoredSubscription, SubscriptionStore, TooManySubscriptions
from bot.web.types import Route, WebRequest, WebResponse


class NewSubscription(SubscriptionSettings):
    """What a caller sends: config.yaml's fields, checked the same way, less the name
    (the store names it) and the timeout (the default). A ``batch`` is kept as given,
    as config.yaml's is (it was accepted and dropped before: no surprises now)."""


def _view(subscription: StoredSubscription) -> dict[str, Any]:
    return {"id": subscription.id, "url": subscription.url, "types": subscription.types,
            "batch": subscription.batch, "source": "api",
            "created_at": subscription.created_ms / 1000, "created_by": subscription.by}


class SubscriptionsApi:
    def __init__(self, *, auth: ApiAuth, stored: SubscriptionStore,
                 configured: Sequence[SubscriptionSettings], secret: bytes) -> None:
        self.auth = auth
        self.stored = stored
        self.configured = list(configured)
        self.pages = Cursors(secret, "subscriptions")

    def routes(self) -> list[Route]:
        path = f"{PREFIX}/events/subscriptions"
        return [
            Route("GET", path, guarded(self.auth, "events:manage", self._list)),
            Route("POST", path, guarded(self.auth, "events:manage", self._create),
                  max_body=8 * 1024),
            Route("DELETE", f"{path}/{{subscription_id}}",
                  guarded(self.auth, "events:manage", self._delete)),
        ]

    async def _list(self, request: WebRequest, caller: str) -> WebResponse:
        page = self.pages.page(request)
        if not isinstance(page, Page):
            return page
        every = [{"id": s.key, "url": s.url, "types": s.types, "batch": s.batch,
                  "source": "config", "created_at": None, "created_by": None}
                 for s in self.configured]
        every += [_view(s) for s in await self.stored.all()]
        every.sort(key=lambda s: str(s["id"]))
        after = str(page.after) if page.after is not None else ""
        rest = [s for s in every if str(s["id"]) > after]
        kept = rest[:page.limit]
        return json_response(200, self.pages.listing(
            "subscriptions", kept, kept[-1]["id"] if len(rest) > page.limit else None))

    async def _create(self, request: WebRequest, caller: str) -> WebResponse:
        wanted = parsed(request, NewSubscription)
        if isinstance(wanted, WebResponse):
            return wanted
        if wanted.name is not None or "timeout_seconds" in wanted.model_fields_set:
            return problem(400, "invalid_request", "send url, secret, types and batch only")
        try:
            made = await self.stored.create(url=wanted.url,
                                            secret=wanted.secret.get_secret_value(),
                                            types=list(wanted.types), by=caller,
                                            batch=wanted.batch)
        except TooManySubscriptions as exc:
            return problem(409, "too_many_subscriptions", str(exc))
        return json_response(201, _view(made))

    async def _delete(self, request: WebRequest, caller: str) -> WebResponse:
        subscription_id = request.params.get("subscription_id", "")
        if any(s.key == subscription_id for s in self.configured):
            return problem(409, "configured", "that subscription is in config.yaml "
                           "(events.subscriptions): remove it there")
        if len(subscription_id) > 64 or not await self.stored.delete(subscription_id):
            return problem(404, "unknown_subscription", "no subscription with that id")
        return json_response(200, {"id": subscription_id, "deleted": True})
