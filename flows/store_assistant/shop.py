"""The shop's systems, as the flows reach them: services by name, never module globals.

- ``turn.services.catalogue``: products and prices. In a running bot it is the store's
  one catalogue (config.yaml's ``catalogue:``), so a price is the same on Telegram,
  WhatsApp and the web at the same moment; without one (``FlowTester``) it is this
  package's ``catalogue.json``.
- ``turn.services.orders``: the ``OrderBook``, a stand-in for the shop's order API (async,
  as a real HTTP call would be). A test swaps it:
  ``FlowTester("flows.store_assistant", services={"orders": FakeOrders()})``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

from bot.catalogue import Catalogue, FixedCatalogue, parse_catalogue
from bot.dialogue import Turn
from bot.services import ServiceFactory, Services

RETURN_DAYS = 30


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    status: str
    items: tuple[str, ...]
    delivered_on: date | None = None
    carrier: str | None = None
    tracking: str | None = None


def price(cents: int, locale: str) -> str:
    """A price as customers read it: "€19.90" in English, "19,90 €" in Spanish."""
    amount = f"{cents // 100}.{cents % 100:02d}"
    if locale == "es":
        return f"{amount.replace('.', ',')} €"
    return f"€{amount}"


def _packaged(name: str) -> str:
    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def shipped_catalogue() -> Catalogue:
    """The catalogue this package ships (``catalogue.json``), validated."""
    return parse_catalogue(_packaged("catalogue.json"), source="flows/store_assistant/"
                           "catalogue.json")


class OrderBook:
    """Looks orders up and registers returns (``orders.json`` in memory: a stand-in for
    the shop's API)."""

    def __init__(self, orders: dict[str, Any]) -> None:
        self.orders = orders

    @classmethod
    def shipped(cls) -> OrderBook:
        return cls(json.loads(_packaged("orders.json"))["orders"])

    async def find(self, number: str) -> Order | None:
        number = number.upper()
        raw = self.orders.get(number)
        if raw is None:
            return None
        # The demo data say "delivered N days ago" so the demo never goes stale.
        days_ago = raw.get("delivered_days_ago")
        delivered = date.today() - timedelta(days=days_ago) if days_ago is not None else None
        return Order(number=number, status=raw["status"], items=tuple(raw["items"]),
                     delivered_on=delivered,
                     carrier=raw.get("carrier"), tracking=raw.get("tracking"))

    async def open_return(self, number: str, item: str, reason: str) -> str:
        """Register a return and give its reference."""
        return f"R-{number.upper()}-{secrets.token_hex(2).upper()}"


def orders(turn: Turn) -> OrderBook:
    """The order service this turn reaches (or the test's fake in its place)."""
    book: OrderBook = turn.services.orders
    return book


def returnable(order: Order, today: date) -> bool:
    if order.status != "delivered" or order.delivered_on is None:
        return False
    return (today - order.delivered_on).days <= RETURN_DAYS


def _catalogue(services: Services) -> FixedCatalogue:
    return FixedCatalogue(shipped_catalogue())


def _orders(services: Services) -> OrderBook:
    return OrderBook.shipped()


#: What this package's flows call; config.yaml's ``catalogue:`` replaces ``catalogue``.
SERVICES: dict[str, ServiceFactory] = {"catalogue": _catalogue, "orders": _orders}
