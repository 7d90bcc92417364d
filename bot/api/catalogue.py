"""``PUT /api/v1/catalogue`` (scope ``catalogue:write``): the business pushes its whole
catalogue (``catalogue.source: api``).

Validated whole before anything is kept: bad data answers 422 naming the product and the
field, and the catalogue held stays. An accepted one is the store's new version at once,
for every channel and process; the same document again changes nothing (``changed``).
"""

from __future__ import annotations

from bot.api.app import PREFIX
from bot.api.auth import ApiAuth, guarded
from bot.api.responses import json_response, problem
from bot.catalogue.model import parse_catalogue
from bot.config.catalogue import CatalogueSettings
from bot.errors import CatalogueError
from bot.store.catalogue import CatalogueStore
from bot.web.types import Route, WebRequest, WebResponse


class CatalogueApi:
    def __init__(self, *, auth: ApiAuth, store: CatalogueStore,
                 settings: CatalogueSettings) -> None:
        self.auth = auth
        self.store = store
        self.settings = settings

    def routes(self) -> list[Route]:
        return [Route("PUT", f"{PREFIX}/catalogue",
                      guarded(self.auth, "catalogue:write", self._put),
                      max_body=self.settings.max_bytes)]

    async def _put(self, request: WebRequest, caller: str) -> WebResponse:
        if self.settings.source != "api":
            return problem(409, "catalogue_not_pushed",
                           f"catalogue.source is {self.settings.source!r}: the catalogue "
                           "comes from there. Set catalogue.source: api in config.yaml to "
                           "push it here")
        try:
            catalogue = parse_catalogue(request.body, source="the pushed catalogue")
        except CatalogueError as exc:
            return problem(422, "invalid_catalogue", str(exc))
        published = await self.store.publish(catalogue.canonical_json(),
                                             source=f"api {caller}")
        return json_response(200, {"version": published.version,
                                   "changed": published.changed,
                                   "products": len(catalogue.products)})
