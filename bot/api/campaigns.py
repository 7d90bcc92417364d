"""The campaigns API under ``/api/v1`` (scope ``campaigns:manage``):

- ``POST /campaigns/estimate`` ``{"segment": {...}}``: how many the segment reaches now,
  and how many it would skip and why (no consent, no reachable channel);
- ``POST /campaigns``: create one (``bot.config.campaigns.CampaignDefinition``); its
  audience is chosen now; a segment that reaches nobody answers 422 and creates nothing;
- ``POST /campaigns/shipped/{name}``: create one of ``campaigns.definitions`` (the
  project's own, e.g. the demo's ``spring_sale``);
- ``GET /campaigns``, ``GET /campaigns/{id}``, ``GET /campaigns/{id}/stats``;
- ``POST /campaigns/{id}/pause`` | ``resume`` | ``cancel``: 409 when its status does not
  allow it (a finished campaign cannot be cancelled).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bot.api.app import PREFIX, parsed
from bot.api.auth import ApiAuth, CallerHandler, guarded
from bot.api.responses import json_response, problem
from bot.campaigns.service import MOVES, CampaignRefused, Campaigns
from bot.config.campaigns import CampaignDefinition, EstimateRequest
from bot.web.types import Route, WebRequest, WebResponse

Handler = Callable[[WebRequest], Awaitable[WebResponse]]


class CampaignsApi:
    def __init__(self, *, auth: ApiAuth, campaigns: Campaigns,
                 shipped: Mapping[str, CampaignDefinition]) -> None:
        self.auth = auth
        self.campaigns = campaigns
        self.shipped = shipped

    def routes(self) -> list[Route]:
        base = f"{PREFIX}/campaigns"
        one = f"{base}/{{campaign_id}}"
        return [
            Route("POST", f"{base}/estimate", self._guard(self._estimate), max_body=64 * 1024),
            Route("POST", base, self._guard(self._create), max_body=256 * 1024),
            Route("POST", f"{base}/shipped/{{name}}", self._guard(self._create_shipped)),
            Route("GET", base, self._guard(self._list)),
            Route("GET", one, self._guard(self._get)),
            Route("GET", f"{one}/stats", self._guard(self._stats)),
            *(Route("POST", f"{one}/{action}", self._guard(self._mover(action)))
              for action in MOVES),
        ]

    def _guard(self, handler: CallerHandler) -> Handler:
        return guarded(self.auth, "campaigns:manage", handler)

    async def _estimate(self, request: WebRequest, caller: str) -> WebResponse:
        body = parsed(request, EstimateRequest)
        if isinstance(body, WebResponse):
            return body
        return json_response(200, await self.campaigns.estimate(body.segment))

    async def _create(self, request: WebRequest, caller: str) -> WebResponse:
        definition = parsed(request, CampaignDefinition)
        if isinstance(definition, WebResponse):
            return definition
        return await self._created(definition, caller)

    async def _create_shipped(self, request: WebRequest, caller: str) -> WebResponse:
        name = request.params.get("name", "")
        definition = self.shipped.get(name)
        if definition is None:
            known = ", ".join(sorted(self.shipped)) or "none"
            return problem(404, "unknown_definition", f"no campaign {name!r} under "
                           f"campaigns.definitions (known: {known})")
        return await self._created(definition, caller)

    async def _created(self, definition: CampaignDefinition, caller: str) -> WebResponse:
        try:
            created = await self.campaigns.create(definition, by=f"api:{caller}")
        except CampaignRefused as refused:
            return json_response(422, {"error": refused.code, "message": str(refused),
                                       **refused.details})
        return json_response(201, created)

    async def _list(self, request: WebRequest, caller: str) -> WebResponse:
        return json_response(200, {"campaigns": await self.campaigns.list()})

    async def _get(self, request: WebRequest, caller: str) -> WebResponse:
        found = await self.campaigns.get(request.params.get("campaign_id", ""))
        return json_response(200, found) if found is not None else _unknown()

    async def _stats(self, request: WebRequest, caller: str) -> WebResponse:
        found = await self.campaigns.stats(request.params.get("campaign_id", ""))
        return json_response(200, found) if found is not None else _unknown()

    def _mover(self, action: str) -> CallerHandler:
        async def move(request: WebRequest, caller: str) -> WebResponse:
            campaign_id = request.params.get("campaign_id", "")
            moved = await self.campaigns.move(campaign_id, action)
            if moved.status is None:
                return _unknown()
            if not moved.ok:
                return problem(409, "not_allowed", f"cannot {action} a campaign that is "
                               f"{moved.status}")
            return json_response(200, {"id": campaign_id, "status": moved.status})

        return move


def _unknown() -> WebResponse:
    return problem(404, "unknown_campaign", "no campaign with that id")
