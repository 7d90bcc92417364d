"""The catalogue: products and prices, the same on every channel.

Validated whole with pydantic before anything keeps it: one bad product refuses the whole
document (``parse_catalogue``), with a message naming the product and the field, so a
half-applied price list never reaches a customer.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from bot.errors import CatalogueError

#: Products in one catalogue; a document past this is refused (the store keeps it whole).
MAX_PRODUCTS = 20_000


class Product(BaseModel):
    """One product: its id (what flows and slots name it by), its price in cents, its
    name and description per language, and the words customers call it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    price_cents: int = Field(ge=0, le=10**12)
    #: language → name; at least one.
    name: dict[str, str] = Field(min_length=1)
    description: dict[str, str] = Field(default_factory=dict)
    #: The words customers use for it, in any language ("vaqueros" for the jeans).
    aliases: tuple[str, ...] = ()

    def title(self, locale: str) -> str:
        """The name in ``locale``, else in English, else the first one given."""
        return self.name.get(locale) or self.name.get("en") or next(iter(self.name.values()))

    def blurb(self, locale: str) -> str:
        return (self.description.get(locale) or self.description.get("en")
                or next(iter(self.description.values()), ""))


class Catalogue(BaseModel):
    """Every product, in the order the business lists them, and their currency."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: ISO 4217, upper case (EUR, USD).
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    products: tuple[Product, ...] = Field(max_length=MAX_PRODUCTS)
    _by_id: dict[str, Product] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalogue:
        for product in self.products:
            if product.id in self._by_id:
                raise ValueError(f"the product id {product.id!r} is used twice; ids are "
                                 "unique")
            self._by_id[product.id] = product
        return self

    def product(self, product_id: str) -> Product | None:
        # Read from pydantic's own slot: ``self._by_id`` goes through the model's
        # ``__getattr__`` after a failed lookup, about thirty times a dict read, and flows
        # look products up on every message that names one.
        private = self.__pydantic_private__
        by_id: dict[str, Product] = private["_by_id"] if private else {}
        return by_id.get(product_id)

    def canonical_json(self) -> str:
        """The document as the store keeps it: the same catalogue gives the same text,
        so a poll or push of unchanged data changes no version."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))


def parse_catalogue(data: str | bytes | dict[str, Any], *, source: str) -> Catalogue:
    """``data`` (JSON text or its parsed object) as a ``Catalogue``, or ``CatalogueError``
    saying where (``source``), which product and which field are wrong."""
    raw: Any = data
    if isinstance(data, str | bytes):
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CatalogueError(f"{source}: not JSON ({exc}); the catalogue is a JSON "
                                 "object with 'currency' and 'products'") from None
    if not isinstance(raw, dict):
        raise CatalogueError(f"{source}: the catalogue must be a JSON object with "
                             "'currency' and 'products'")
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        problems = [_problem(raw, error) for error in exc.errors()[:5]]
        more = len(exc.errors()) - len(problems)
        tail = f" (and {more} more)" if more > 0 else ""
        raise CatalogueError(f"{source}: refused, nothing changed: {'; '.join(problems)}"
                             f"{tail}") from None


def _problem(raw: dict[str, Any], error: Any) -> str:
    """One pydantic error as "product 'jeans' (products[2]) field price_cents: ..."."""
    loc = list(error["loc"])
    message = error["msg"]
    if len(loc) >= 2 and loc[0] == "products" and isinstance(loc[1], int):
        index = loc[1]
        items = raw.get("products")
        found = items[index] if isinstance(items, list) and index < len(items) else None
        named = f"product {found['id']!r} " if isinstance(found, dict) and isinstance(
            found.get("id"), str) else "product "
        field = ".".join(str(p) for p in loc[2:]) or "(the whole product)"
        return f"{named}(products[{index}]) field {field}: {message}"
    return f"field {'.'.join(str(p) for p in loc) or '(the document)'}: {message}"
