"""The shop's data: one catalogue and one order book for every channel.

Prices and names come from ``catalogue.json`` only, so the same product costs the same on
Telegram, WhatsApp and the web. ``OrderService`` stands in for the shop's order API: it is
async, as a real HTTP call would be.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

RETURN_DAYS = 30


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    price_cents: int
    name: dict[str, str]
    description: dict[str, str]
    #: The words customers use for it, in any language ("vaqueros" for the jeans).
    aliases: tuple[str, ...] = ()

    def title(self, locale: str) -> str:
        return self.name.get(locale) or self.name["en"]

    def blurb(self, locale: str) -> str:
        return self.description.get(locale) or self.description["en"]


@dataclass(frozen=True, slots=True)
class Order:
    number: str
    status: str
    items: tuple[str, ...]
    delivered_on: date | None = None
    carrier: str | None = None
    tracking: str | None = None


@cache
def _data() -> dict[str, Any]:
    text = (resources.files(__package__) / "catalogue.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def products() -> list[Product]:
    return [Product(**{**p, "aliases": tuple(p.get("aliases", ()))})
            for p in _data()["products"]]


def product(product_id: str) -> Product | None:
    return next((p for p in products() if p.id == product_id), None)


def price(cents: int, locale: str) -> str:
    """A price as customers read it: "€19.90" in English, "19,90 €" in Spanish."""
    amount = f"{cents // 100}.{cents % 100:02d}"
    if locale == "es":
        return f"{amount.replace('.', ',')} €"
    return f"€{amount}"


class OrderService:
    """Looks orders up and registers returns (in memory: a stand-in for the shop's API)."""

    async def find(self, number: str) -> Order | None:
        raw = _data()["orders"].get(number.upper())
        if raw is None:
            return None
        # The demo data say "delivered N days ago" so the demo never goes stale.
        days_ago = raw.get("delivered_days_ago")
        delivered = date.today() - timedelta(days=days_ago) if days_ago is not None else None
        return Order(number=number.upper(), status=raw["status"], items=tuple(raw["items"]),
                     delivered_on=delivered,
                     carrier=raw.get("carrier"), tracking=raw.get("tracking"))

    async def open_return(self, number: str, item: str, reason: str) -> str:
        """Register a return and give its reference."""
        return f"R-{number.upper()}-{secrets.token_hex(2).upper()}"


def returnable(order: Order, today: date) -> bool:
    if order.status != "delivered" or order.delivered_on is None:
        return False
    return (today - order.delivered_on).days <= RETURN_DAYS


orders = OrderService()
