"""The services a flow step reaches business systems through, injected by name.

A step writes ``turn.services.orders`` (or ``turn.services.catalogue``); it never imports
a client or reads a module global, so a test swaps any service for a fake
(``FlowTester(..., services={"orders": FakeOrders()})``) and every process builds its
own at start-up. Three are built in, typed:

- ``catalogue``: products and prices (``bot/catalogue``), the store's one catalogue in a
  running bot;
- ``http``: an HTTP client with timeouts and retries (``bot/services/http.py``);
- ``customers``: the customer directory (``bot/services/customers.py``).

A project registers its own in its flows module, next to ``FLOWS``::

    SERVICES = {"orders": lambda services: OrderApi(services.http, base_url=...)}

Each factory is called once, when the engine is built, with the services built before
it; the engine hands the same ``Services`` to every turn (nothing is built per turn).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bot.errors import MissingService

if TYPE_CHECKING:
    from bot.catalogue.service import CatalogueService
    from bot.services.customers import CustomerService
    from bot.services.http import HttpService

#: Builds one service from those registered before it.
ServiceFactory = Callable[["Services"], object]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Services:
    """Services by name: ``services.orders``, or typed ``services.catalogue``."""

    __slots__ = ("_by_name",)

    def __init__(self, provided: Mapping[str, object] | None = None) -> None:
        self._by_name: dict[str, object] = {}
        for name, service in (provided or {}).items():
            self.provide(name, service)

    def provide(self, name: str, service: object) -> None:
        """Register ``service`` as ``name`` (replacing the one before: the runtime puts
        the store's catalogue in place of the project file's when it starts)."""
        if not _NAME.match(name):
            raise ValueError(f"service name {name!r}: use 1-40 of a-z, 0-9 and _, "
                             "starting with a letter (it is read as turn.services.<name>)")
        self._by_name[name] = service

    def build(self, factories: Mapping[str, ServiceFactory]) -> Services:
        """Build each of ``factories`` not provided already (a test's fake wins)."""
        for name, factory in factories.items():
            if name not in self._by_name:
                self.provide(name, factory(self))
        return self

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def get(self, name: str) -> Any:
        try:
            return self._by_name[name]
        except KeyError:
            raise MissingService(name, f"no service named {name!r} (registered: "
                                 f"{', '.join(self.names()) or 'none'}). Register it in "
                                 "the flows module's SERVICES, or pass it to FlowTester "
                                 "with services={...}") from None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)

    @property
    def catalogue(self) -> CatalogueService:
        service: CatalogueService = self.get("catalogue")
        return service

    @property
    def http(self) -> HttpService:
        service: HttpService = self.get("http")
        return service

    @property
    def customers(self) -> CustomerService:
        service: CustomerService = self.get("customers")
        return service

    async def close(self) -> None:
        """Close every service that has an ``async close()`` (its connections)."""
        for service in self._by_name.values():
            close = getattr(service, "close", None)
            if close is not None and inspect.iscoroutinefunction(close):
                await close()
