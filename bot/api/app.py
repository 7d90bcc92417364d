"""The business API's endpoints under ``/api/v1``, as routes on the one HTTP server (so
its body size and time limits and security headers hold here too).

- ``POST /api/v1/notifications`` (scope ``notifications:send``): send a template to a
  customer, idempotent by the caller's ``Idempotency-Key`` (``bot/reaching/notifications``);
- ``GET /api/v1/customers/{id}/consents`` (``customers:read``): the consent ledger;
- ``PUT /api/v1/customers/{id}/consents/{purpose}`` (``customers:write``): an opt-in or
  opt-out given elsewhere (a form, a shop's counter), applied in the customer's turn;
- ``POST /api/v1/customers/{id}/identifiers`` (``customers:write``): attach an e-mail or
  an external id (``erp:customer:987``) that notifications can name the customer by;
- ``GET /api/v1/openapi.json``: this API's OpenAPI 3.1 document (no token);
- ``GET /api/v1/docs``: the same document as a readable page (no token, no CDN).
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.api.auth import ApiAuth, CallerHandler, guarded
from bot.api.openapi import document
from bot.api.reference import reference_css, reference_page
from bot.api.responses import json_response, problem
from bot.config.reaching import Scope
from bot.consent.ledger import entries, ledger_key
from bot.model import BusinessMessage
from bot.reaching.notifications import NotificationRequest, Notifier
from bot.store.directory import CustomerDirectory
from bot.store.store import Store
from bot.web.json_input import json_object
from bot.web.types import Route, WebRequest, WebResponse

PREFIX = "/api/v1"
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

Handler = Callable[[WebRequest], Awaitable[WebResponse]]
Enqueue = Callable[[str, BusinessMessage], Awaitable[bool]]


class ConsentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    granted: bool
    #: "all", or the one channel it covers.
    scope: str = Field(default="all", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    #: The words the customer agreed to, as shown to them.
    text: str | None = Field(default=None, max_length=2000)


class IdentifiersBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)
    external_id: str | None = Field(default=None, pattern=r"^[a-z0-9_.-]+:\S{1,190}$")


M = TypeVar("M", bound=BaseModel)


def body_as(request: WebRequest, model: type[M]) -> M | ValidationError | None:
    """The body as ``model``; what is wrong with it; None when it is no JSON object."""
    body = json_object(request.body)
    if body is None:
        return None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        return exc


def parsed(request: WebRequest, model: type[M]) -> M | WebResponse:
    """The body as ``model``, or the 400 that says which field is wrong."""
    found = body_as(request, model)
    if found is None:
        return problem(400, "invalid_json", "the body must be a JSON object")
    if isinstance(found, ValidationError):
        first = found.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return problem(400, "invalid_request", f"{where}: {first['msg']}")
    return found


async def known_customer(directory: CustomerDirectory, request: WebRequest) -> str | None:
    """The path's ``customer_id`` when the store holds that customer, else None."""
    customer_id = request.params.get("customer_id", "")
    if not customer_id or len(customer_id) > 64:
        return None
    return customer_id if await directory.exists(customer_id) else None


UNKNOWN_CUSTOMER = "no customer with that id"


class BusinessApi:
    def __init__(self, *, auth: ApiAuth, notifier: Notifier, store: Store,
                 directory: CustomerDirectory, enqueue: Enqueue) -> None:
        self.auth = auth
        self.notifier = notifier
        self.store = store
        self.directory = directory
        self.enqueue = enqueue

    def routes(self) -> list[Route]:
        return [
            Route("POST", f"{PREFIX}/notifications",
                  self._guarded("notifications:send", self._notify), max_body=64 * 1024),
            Route("GET", f"{PREFIX}/customers/{{customer_id}}/consents",
                  self._guarded("customers:read", self._consents)),
            Route("PUT", f"{PREFIX}/customers/{{customer_id}}/consents/{{purpose}}",
                  self._guarded("customers:write", self._set_consent), max_body=16 * 1024),
            Route("POST", f"{PREFIX}/customers/{{customer_id}}/identifiers",
                  self._guarded("customers:write", self._identifiers), max_body=16 * 1024),
            Route("GET", f"{PREFIX}/openapi.json", self._openapi),
            Route("GET", f"{PREFIX}/docs", self._reference),
            Route("GET", f"{PREFIX}/docs.css", reference_css),
        ]

    def _guarded(self, scope: Scope, handler: CallerHandler) -> Handler:
        return guarded(self.auth, scope, handler)

    async def _openapi(self, request: WebRequest) -> WebResponse:
        return json_response(200, document())

    async def _reference(self, request: WebRequest) -> WebResponse:
        return await reference_page(request, document())

    async def _notify(self, request: WebRequest, caller: str) -> WebResponse:
        key = request.header("idempotency-key")
        if key is None or not _IDEMPOTENCY_KEY.match(key):
            return problem(400, "idempotency_key_required", "send an Idempotency-Key header "
                           "(1-255 printable ASCII characters, e.g. a UUID) that is the same "
                           "on every retry of this notification")
        wanted = parsed(request, NotificationRequest)
        if isinstance(wanted, WebResponse):
            return wanted
        answer = await self.notifier.send(caller, key, wanted)
        return json_response(answer.status, answer.body)

    async def _known(self, request: WebRequest) -> str | None:
        return await known_customer(self.directory, request)

    async def _customer_with(self, request: WebRequest,
                             model: type[M]) -> tuple[str, M] | WebResponse:
        """The path's customer and the body as ``model``, or the 400 or 404 to answer."""
        body = parsed(request, model)
        if isinstance(body, WebResponse):
            return body
        customer_id = await self._known(request)
        if customer_id is None:
            return problem(404, "unknown_customer", UNKNOWN_CUSTOMER)
        return customer_id, body

    async def _consents(self, request: WebRequest, caller: str) -> WebResponse:
        customer_id = await self._known(request)
        if customer_id is None:
            return problem(404, "unknown_customer", UNKNOWN_CUSTOMER)
        _, profile = await self.store.load(customer_id)
        return json_response(200, {"customer_id": customer_id, "consents": entries(profile)})

    async def _set_consent(self, request: WebRequest, caller: str) -> WebResponse:
        purpose = request.params.get("purpose", "")
        if not _PURPOSE.match(purpose):
            return problem(400, "invalid_purpose", "a purpose is a lower-case name such as "
                           "marketing or notifications")
        found = await self._customer_with(request, ConsentBody)
        if isinstance(found, WebResponse):
            return found
        customer_id, decision = found
        now = time.time()
        item = BusinessMessage(id=f"c_{time.time_ns()}", action="consent", purpose=purpose,
                               granted=decision.granted, scope=decision.scope,
                               text=decision.text, by=caller, at=now)
        await self.enqueue(customer_id, item)
        return json_response(202, {"customer_id": customer_id,
                                   "key": ledger_key(purpose, decision.scope),
                                   "granted": decision.granted, "status": "queued"})

    async def _identifiers(self, request: WebRequest, caller: str) -> WebResponse:
        found = await self._customer_with(request, IdentifiersBody)
        if isinstance(found, WebResponse):
            return found
        customer_id, given = found
        kinds: list[tuple[Literal["email", "external"], str]] = []
        if given.email:
            kinds.append(("email", given.email))
        if given.external_id:
            kinds.append(("external", given.external_id))
        for kind, value in kinds:
            holder = await self.directory.attach(kind, value, customer_id)
            if holder != customer_id:
                return problem(409, "taken", f"that {kind} already names another customer")
        return json_response(200, {"customer_id": customer_id, "attached": len(kinds)})
