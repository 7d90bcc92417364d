"""The customer API: a customer's record, its edit, finding customers, their identities
and their transcript (docs/api.md).

- ``GET /api/v1/customers/{id}`` (scope ``customers:read``): profile, tags, consent
  summary, identities, attached e-mails and external ids;
- ``PATCH /api/v1/customers/{id}`` (``customers:write``): profile fields and tags, checked
  like an operator's edit and applied in the customer's own turn (a ``profile`` history
  event; the commit emits ``customer.updated``), so it never races what they say;
- ``GET /api/v1/customers?phone=|email=|tag=|external_id=`` (``customers:read``): exact
  lookups through the identity and directory indexes; a tag through the search index;
- ``GET /api/v1/customers/{id}/identities`` (``customers:read``);
- ``GET /api/v1/customers/{id}/transcript`` (``conversations:read``): the messages of
  every channel, oldest first, each with its channel.

Every list is a page (``pages.py``): ``limit`` up to 200, ``next_cursor`` to go on.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bot.api.app import PREFIX, UNKNOWN_CUSTOMER, Enqueue, known_customer
from bot.api.auth import ApiAuth, guarded
from bot.api.customer_views import (
    MESSAGE_KINDS,
    customer_record,
    identity_view,
    message_view,
    summaries,
)
from bot.api.pages import Cursors, Page
from bot.api.responses import json_response, problem
from bot.config.reaching import Scope
from bot.handoff.profile_edits import EDITABLE, BadEdit, checked_changes
from bot.model import BusinessMessage
from bot.phones import to_e164
from bot.search.terms import facet
from bot.store.directory import CustomerDirectory
from bot.store.store import Store
from bot.web.json_input import json_object
from bot.web.types import Route, WebRequest, WebResponse

#: The lookups ``GET /customers`` answers, one per request.
LOOKUPS = ("phone", "email", "tag", "external_id")
#: Hits fetched past a page's end, for customers last active at the very same moment.
_TIES = 20


class CustomersApi:
    def __init__(self, *, auth: ApiAuth, store: Store, directory: CustomerDirectory,
                 enqueue: Enqueue, secret: bytes,
                 accounts: Sequence[tuple[str, str]]) -> None:
        self.auth = auth
        self.store = store
        self.directory = directory
        self.enqueue = enqueue
        #: (channel, account) of every channel, whose senders an e-mail may name.
        self.accounts = list(accounts)
        self.found = Cursors(secret, "customers")
        self.identity_pages = Cursors(secret, "identities")
        self.transcript_pages = Cursors(secret, "transcript")

    def routes(self) -> list[Route]:
        read: Scope = "customers:read"
        path = f"{PREFIX}/customers/{{customer_id}}"
        return [
            Route("GET", f"{PREFIX}/customers", guarded(self.auth, read, self._find)),
            Route("GET", path, guarded(self.auth, read, self._record)),
            Route("PATCH", path, guarded(self.auth, "customers:write", self._edit),
                  max_body=16 * 1024),
            Route("GET", f"{path}/identities", guarded(self.auth, read, self._identities)),
            Route("GET", f"{path}/transcript",
                  guarded(self.auth, "conversations:read", self._transcript)),
        ]

    async def _record(self, request: WebRequest, caller: str) -> WebResponse:
        customer_id = await known_customer(self.directory, request)
        if customer_id is None:
            return problem(404, "unknown_customer", UNKNOWN_CUSTOMER)
        return json_response(200, await customer_record(self.store, self.directory,
                                                        customer_id))

    async def _edit(self, request: WebRequest, caller: str) -> WebResponse:
        body = json_object(request.body)
        if not body:
            return problem(400, "invalid_request", "send a JSON object with some of "
                           f"{', '.join(EDITABLE)}")
        try:
            changes = checked_changes(body)
        except BadEdit as exc:
            return problem(400, "invalid_request", str(exc))
        customer_id = await known_customer(self.directory, request)
        if customer_id is None:
            return problem(404, "unknown_customer", UNKNOWN_CUSTOMER)
        await self.enqueue(customer_id, BusinessMessage(
            id=f"p_{time.time_ns()}", action="profile", changes=changes, by=caller))
        return json_response(202, {"customer_id": customer_id, "changes": changes,
                                   "status": "queued"})

    # -- finding --------------------------------------------------------------------------

    async def _find(self, request: WebRequest, caller: str) -> WebResponse:
        given = [name for name in LOOKUPS if name in request.query]
        if len(given) != 1:
            return problem(400, "one_lookup", "give exactly one of "
                           f"{', '.join(LOOKUPS)} (e.g. ?external_id=erp:customer:987)")
        name, value = given[0], request.query[given[0]].strip()
        if not value or len(value) > 254:
            return problem(400, "invalid_lookup", f"{name} must be 1-254 characters")
        page = self.found.page(request)
        if not isinstance(page, Page):
            return page
        if name == "tag":
            return await self._tagged(value, page)
        if page.after is not None:  # an exact lookup is one page
            return json_response(200, self.found.listing("customers", [], None))
        if name == "phone":
            phone = to_e164(value) if value.startswith(("+", "00")) else None
            if phone is None:
                return problem(400, "invalid_phone", "phone: write the number with its "
                               "country code, like +34600111222")
            found = await self.directory.by_phone(phone)
        elif name == "email":
            found = await self.directory.by_email(value, self.accounts)
        else:
            found = await self.directory.by_external_id(value)
        ids = [found] if found is not None and await self.directory.exists(found) else []
        return json_response(200, self.found.listing(
            "customers", await summaries(self.store, ids), None))

    async def _tagged(self, tag: str, page: Page) -> WebResponse:
        """Customers filed under the tag, the most recently active first; the cursor is
        the last one given (time, id), so customers added meanwhile (newer) never shift
        what the next page holds."""
        after = _position(page.after)
        if page.after is not None and after is None:
            return problem(400, "invalid_cursor", "that cursor is not for this list")
        until = float("inf") if after is None else after[0]
        hits = await self.store.search_index().find([facet("tag", tag)], until=until,
                                                    limit=page.limit + _TIES + 1)
        ordered = sorted(((hit.at, hit.customer_id) for hit in hits), reverse=True)
        if after is not None:
            ordered = [hit for hit in ordered if hit < after]
        kept = ordered[:page.limit]
        more = len(ordered) > page.limit
        return json_response(200, self.found.listing(
            "customers", await summaries(self.store, [c for _, c in kept]),
            list(kept[-1]) if more and kept else None))

    # -- a customer's lists ---------------------------------------------------------------

    async def _identities(self, request: WebRequest, caller: str) -> WebResponse:
        customer_id = await known_customer(self.directory, request)
        if customer_id is None:
            return problem(404, "unknown_customer", UNKNOWN_CUSTOMER)
        page = self.identity_pages.page(request)
        if not isinstance(page, Page):
            return page
        identities = sorted(await self.store.identities(customer_id), key=lambda i: i.key)
        after = str(page.after) if page.after is not None else ""
        rest = [i for i in identities if i.key > after]
        kept = rest[:page.limit]
        last_wrote = await self.store.last_inbound(customer_id)
        return json_response(200, {"customer_id": customer_id, **self.identity_pages.listing(
            "identities", [identity_view(i, last_wrote) for i in kept],
            kept[-1].key if len(rest) > page.limit else None)})

    async def _transcript(self, request: WebRequest, caller: str) -> WebResponse:
        """The messages kept (``store.history_limit`` events at most), oldest first; the
        cursor is the last one given (time, and its place among messages of that time)."""
        customer_id = await known_customer(self.directory, request)
        if customer_id is None:
            return problem(404, "unknown_customer", UNKNOWN_CUSTOMER)
        page = self.transcript_pages.page(request)
        if not isinstance(page, Page):
            return page
        after = _position(page.after)
        history = await self.store.history(customer_id, limit=self.store.history_limit)
        messages: list[tuple[tuple[float, int], dict[str, Any]]] = []
        same_time: dict[float, int] = {}
        for event in history:
            if event.kind not in MESSAGE_KINDS:
                continue
            same_time[event.at] = same_time.get(event.at, 0) + 1
            position = (event.at, same_time[event.at])
            if after is None or position > (after[0], int(after[1])):
                messages.append((position, message_view(event)))
        kept = messages[:page.limit]
        return json_response(200, {"customer_id": customer_id,
                                   **self.transcript_pages.listing(
                                       "messages", [m for _, m in kept],
                                       list(kept[-1][0]) if len(messages) > page.limit
                                       else None)})


def _position(raw: Any) -> tuple[float, Any] | None:
    """A (time, tie-breaker) position read back from a cursor, or None."""
    if (isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], int | float)
            and isinstance(raw[1], str | int)):
        return float(raw[0]), raw[1]
    return None
