"""Catalogue data is validated whole: one bad product refuses the document, and the
message names the product and the field."""

from __future__ import annotations

import json

import pytest

from bot.catalogue import parse_catalogue
from bot.errors import CatalogueError
from tests.bot.catalogue.data import TWO_PRODUCTS, priced


def test_a_valid_catalogue_is_read_with_its_products_by_id() -> None:
    catalogue = parse_catalogue(json.dumps(TWO_PRODUCTS), source="test")
    assert [p.id for p in catalogue.products] == ["tee", "jeans"]
    jeans = catalogue.product("jeans")
    assert jeans is not None and jeans.price_cents == 6900
    assert jeans.title("es") == "Vaqueros" and jeans.title("fr") == "Jeans"
    assert catalogue.product("hat") is None


def test_a_bad_price_names_the_product_and_the_field() -> None:
    with pytest.raises(CatalogueError) as refused:
        parse_catalogue(priced(TWO_PRODUCTS, "jeans", -5), source="erp")
    message = str(refused.value)
    assert "erp: refused, nothing changed" in message
    assert "product 'jeans' (products[1]) field price_cents" in message
    assert "greater than or equal to 0" in message


def test_a_price_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(CatalogueError, match=r"product 'tee' \(products\[0\]\) field "
                                             r"price_cents"):
        parse_catalogue(priced(TWO_PRODUCTS, "tee", "cheap"), source="erp")


def test_two_products_with_one_id_are_refused() -> None:
    twice = {**TWO_PRODUCTS, "products": [*TWO_PRODUCTS["products"],
                                          TWO_PRODUCTS["products"][0]]}
    with pytest.raises(CatalogueError, match="'tee' is used twice"):
        parse_catalogue(twice, source="erp")


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"products": []}'])
def test_what_is_not_a_catalogue_says_what_one_is(text: str) -> None:
    with pytest.raises(CatalogueError, match="erp: "):
        parse_catalogue(text, source="erp")


def test_an_unknown_field_is_refused_rather_than_dropped() -> None:
    extra = {**TWO_PRODUCTS, "products": [{**TWO_PRODUCTS["products"][0], "prise": 1}]}
    with pytest.raises(CatalogueError, match=r"product 'tee' \(products\[0\]\) field prise"):
        parse_catalogue(extra, source="erp")


def test_the_same_catalogue_gives_the_same_stored_text_in_any_key_order() -> None:
    reordered = {"products": [dict(reversed(p.items())) for p in TWO_PRODUCTS["products"]],
                 "currency": "EUR"}
    assert parse_catalogue(reordered, source="a").canonical_json() == \
        parse_catalogue(TWO_PRODUCTS, source="b").canonical_json()


def test_the_shipped_demo_catalogue_is_valid() -> None:
    from flows.store_assistant.shop import shipped_catalogue

    assert len(shipped_catalogue().products) == 5
