"""The business API's view of undeliverable events (``bot/webhooks``): events an endpoint
refused until their retries ran out wait as dead letters, per customer, until replayed.

- ``GET /api/v1/events/dead-letters`` (scope ``events:manage``): the latest first;
- ``POST /api/v1/events/dead-letters/replay`` (``events:manage``) with ``customer_id``,
  ``subscription`` and ``event_id``: delivered again to that subscription only, after
  what the customer has waiting there; 404 when there is no such letter (replayed already).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from bot.api.app import PREFIX, parsed
from bot.api.auth import ApiAuth, guarded
from bot.api.responses import json_response, problem
from bot.store.hooks import EventOutbox
from bot.web.types import Route, WebRequest, WebResponse


class ReplayBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    customer_id: str = Field(min_length=1, max_length=64)
    subscription: str = Field(min_length=1, max_length=100)
    event_id: str = Field(min_length=1, max_length=100)


class DeadLettersApi:
    def __init__(self, *, auth: ApiAuth, events: EventOutbox) -> None:
        self.auth = auth
        self.events = events

    def routes(self) -> list[Route]:
        return [
            Route("GET", f"{PREFIX}/events/dead-letters",
                  guarded(self.auth, "events:manage", self._list)),
            Route("POST", f"{PREFIX}/events/dead-letters/replay",
                  guarded(self.auth, "events:manage", self._replay), max_body=4 * 1024),
        ]

    async def _list(self, request: WebRequest, caller: str) -> WebResponse:
        letters = await self.events.dead_letters(limit=200)
        return json_response(200, {"dead_letters": [
            {"customer_id": d.customer_id, "subscription": d.subscription,
             "event_id": d.event_id, "error": d.error, "attempts": d.attempts,
             "died_at": d.died_at_ms / 1000} for d in letters]})

    async def _replay(self, request: WebRequest, caller: str) -> WebResponse:
        body = parsed(request, ReplayBody)
        if isinstance(body, WebResponse):
            return body
        if not await self.events.replay_event(body.customer_id, body.subscription,
                                              body.event_id):
            return problem(404, "unknown_dead_letter", "no such dead letter (it may have "
                           "been replayed already)")
        return json_response(202, {"status": "queued"})
