"""The business API's personal-data endpoints (``bot/privacy.py``):

- ``GET /api/v1/customers/{id}/export`` (scope ``customers:read``): everything held about
  the customer, as one JSON document (GDPR articles 15 and 20);
- ``DELETE /api/v1/customers/{id}`` (scope ``customers:erase``, given apart from
  ``customers:write`` on purpose: erasure cannot be undone): the customer is erased and
  an audit record names the token that asked.

Both answer 404, changing nothing, for an id that is not held.
"""

from __future__ import annotations

from bot.api.app import PREFIX
from bot.api.auth import ApiAuth, guarded
from bot.api.responses import json_response, problem
from bot.privacy import CustomerRecords, UnknownCustomer
from bot.web.types import Route, WebRequest, WebResponse

_NOT_HELD = "no customer with that id (nothing was changed)"


class RecordsApi:
    def __init__(self, *, auth: ApiAuth, records: CustomerRecords) -> None:
        self.auth = auth
        self.records = records

    def routes(self) -> list[Route]:
        return [
            Route("GET", f"{PREFIX}/customers/{{customer_id}}/export",
                  guarded(self.auth, "customers:read", self._export)),
            Route("DELETE", f"{PREFIX}/customers/{{customer_id}}",
                  guarded(self.auth, "customers:erase", self._erase)),
        ]

    @staticmethod
    def _customer(request: WebRequest) -> str | None:
        customer_id = request.params.get("customer_id", "")
        return customer_id if 0 < len(customer_id) <= 64 else None

    async def _export(self, request: WebRequest, caller: str) -> WebResponse:
        customer_id = self._customer(request)
        try:
            if customer_id is None:
                raise UnknownCustomer(_NOT_HELD)
            return json_response(200, await self.records.export(customer_id))
        except UnknownCustomer:
            return problem(404, "unknown_customer", _NOT_HELD)

    async def _erase(self, request: WebRequest, caller: str) -> WebResponse:
        customer_id = self._customer(request)
        try:
            if customer_id is None:
                raise UnknownCustomer(_NOT_HELD)
            erased = await self.records.erase(customer_id, actor=f"api:{caller}")
        except UnknownCustomer:
            return problem(404, "unknown_customer", _NOT_HELD)
        return json_response(200, {"customer_id": customer_id, "erased": erased.as_dict()})
