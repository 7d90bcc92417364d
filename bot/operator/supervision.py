"""The console's supervisor tools: a customer's data on request and the event webhooks'
dead letters. Only supervisors may use them; an operator is answered 403 and the console
shows them no button.

    GET  /operator/api/customers/{id}/export      the customer's JSON document (download)
    POST /operator/api/customers/{id}/erase       {"confirm": "<short id>"}: erased
    GET  /operator/api/dead-letters               undeliverable events, oldest first
    POST /operator/api/dead-letters/replay        {customer_id, subscription, event_id}
    POST /operator/api/dead-letters/replay-all    {subscription}

The same functions serve the business API (``bot/privacy.py``, ``bot/store/hooks.py``):
the console adds the supervisor check, the confirmation (the customer's short id, typed,
so a misclick or a forged request without it erases nobody) and the operator's name in
the audit record (``operator:<id>``). Routes are kept apart from ``api.py``, which owns
the desk's own work, and reuse its guard (session cookie, CSRF, store boundary).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from bot.api.responses import json_response
from bot.operator.auth import Caller
from bot.operator.views import display_name, short_id
from bot.privacy import CustomerRecords, UnknownCustomer
from bot.store.hooks import DeadLetter, EventOutbox
from bot.web.types import Route, WebRequest, WebResponse

API = "/operator/api"
#: Dead letters listed at once (customers with letters, the API's bound too).
LIST_LIMIT = 200

Handler = Callable[[WebRequest, Caller], Awaitable[WebResponse]]
#: ``OperatorApi._guarded``: a handler, and whether it is a POST (CSRF), made a route's.
Guard = Callable[..., Callable[[WebRequest], Awaitable[WebResponse]]]
_NO_STORE = {"Cache-Control": "no-store"}


def _answer(status: int, body: dict[str, Any], **headers: str) -> WebResponse:
    return json_response(status, body, headers={**_NO_STORE, **headers})


def _refused(status: int, message: str) -> WebResponse:
    return _answer(status, {"error": message})


def _body(request: WebRequest) -> dict[str, Any]:
    try:
        value = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def letter_view(letter: DeadLetter) -> dict[str, Any]:
    """What the console lists of one dead letter (its event's type read from the body)."""
    try:
        event = json.loads(letter.body)
    except ValueError:
        event = {}
    kind = event.get("type") if isinstance(event, dict) else None
    return {"customer_id": letter.customer_id, "subscription": letter.subscription,
            "event_id": letter.event_id, "type": kind if isinstance(kind, str) else "?",
            "error": letter.error, "attempts": letter.attempts,
            "died_at": letter.died_at_ms / 1000}


def supervisor_only(handler: Handler) -> Handler:
    """``handler``, answering 403 to a caller who is not a supervisor."""
    async def run(request: WebRequest, caller: Caller) -> WebResponse:
        if not caller.supervisor:
            return _refused(403, "only a supervisor may do this")
        return await handler(request, caller)

    return run


class SupervisorTools:
    def __init__(self, *, records: CustomerRecords, events: EventOutbox | None,
                 guard: Guard) -> None:
        self.records = records
        self.events = events
        self.guard = guard

    def routes(self) -> list[Route]:
        guard = self.guard
        return [
            Route("GET", f"{API}/customers/{{customer}}/export",
                  guard(self._supervisor(self._export))),
            Route("POST", f"{API}/customers/{{customer}}/erase",
                  guard(self._supervisor(self._erase), post=True), max_body=4096),
            Route("GET", f"{API}/dead-letters", guard(self._supervisor(self._letters))),
            Route("POST", f"{API}/dead-letters/replay",
                  guard(self._supervisor(self._replay), post=True), max_body=4096),
            Route("POST", f"{API}/dead-letters/replay-all",
                  guard(self._supervisor(self._replay_all), post=True), max_body=4096),
        ]

    _supervisor = staticmethod(supervisor_only)

    # -- a customer's data ----------------------------------------------------------------

    async def _export(self, request: WebRequest, caller: Caller) -> WebResponse:
        customer_id = request.params["customer"]
        try:
            document = await self.records.export(customer_id)
        except UnknownCustomer:
            return _refused(404, "no such customer (erased already?)")
        name = f"customer-{short_id(customer_id)}.json"
        return _answer(200, document,
                       **{"Content-Disposition": f'attachment; filename="{name}"'})

    async def _erase(self, request: WebRequest, caller: Caller) -> WebResponse:
        customer_id = request.params["customer"]
        if _body(request).get("confirm") != short_id(customer_id):
            return _refused(400, f"type the customer's short id ({short_id(customer_id)}) "
                            "to confirm the erasure")
        try:
            erased = await self.records.erase(customer_id,
                                              actor=f"operator:{caller.account.id}")
        except UnknownCustomer:
            return _refused(404, "no such customer (erased already?)")
        return _answer(200, {"customer_id": customer_id, "erased": erased.as_dict()})

    # -- dead letters -----------------------------------------------------------------------

    def _outbox(self) -> EventOutbox | WebResponse:
        if self.events is None:
            return _refused(404, "event webhooks are not enabled (events.subscriptions in "
                            "config.yaml)")
        return self.events

    async def _letters(self, request: WebRequest, caller: Caller) -> WebResponse:
        outbox = self._outbox()
        if isinstance(outbox, WebResponse):
            return outbox
        letters = [letter_view(d) for d in await outbox.dead_letters(limit=LIST_LIMIT)]
        names: dict[str, str] = {}
        for customer_id in {d["customer_id"] for d in letters}:
            _, profile = await self.records.store.load(customer_id)
            names[customer_id] = display_name(profile, customer_id)
        for letter in letters:
            letter["display_name"] = names[letter["customer_id"]]
        return _answer(200, {"items": letters, "subscriptions": list(outbox.subscriptions)})

    async def _replay(self, request: WebRequest, caller: Caller) -> WebResponse:
        outbox = self._outbox()
        if isinstance(outbox, WebResponse):
            return outbox
        body = _body(request)
        where = [body.get(name) for name in ("customer_id", "subscription", "event_id")]
        if not all(isinstance(value, str) and 0 < len(value) <= 100 for value in where):
            return _refused(400, "name the letter: customer_id, subscription and event_id")
        if not await outbox.replay_event(*[str(value) for value in where]):
            return _refused(404, "no such dead letter (replayed already?)")
        return _answer(202, {"replayed": 1})

    async def _replay_all(self, request: WebRequest, caller: Caller) -> WebResponse:
        outbox = self._outbox()
        if isinstance(outbox, WebResponse):
            return outbox
        subscription = _body(request).get("subscription")
        if not isinstance(subscription, str) or subscription not in outbox.subscriptions:
            return _refused(400, "choose one of the subscriptions: "
                            + ", ".join(outbox.subscriptions))
        return _answer(202, {"replayed": await outbox.replay_subscription(subscription)})
