"""Catalogue documents for the tests: a small valid one, and ways to spoil it."""

from __future__ import annotations

import copy
from typing import Any

TWO_PRODUCTS: dict[str, Any] = {
    "currency": "EUR",
    "products": [
        {"id": "tee", "price_cents": 1990, "name": {"en": "T-shirt", "es": "Camiseta"},
         "aliases": ["camiseta"]},
        {"id": "jeans", "price_cents": 6900, "name": {"en": "Jeans", "es": "Vaqueros"}},
    ],
}


def priced(document: dict[str, Any], product_id: str, cents: Any) -> dict[str, Any]:
    """``document`` with one product's price changed (to anything, even a bad value)."""
    changed = copy.deepcopy(document)
    for product in changed["products"]:
        if product["id"] == product_id:
            product["price_cents"] = cents
    return changed
