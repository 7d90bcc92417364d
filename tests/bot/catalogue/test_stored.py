"""The store holds one catalogue with a version: every reader (each its own connection,
as two processes are) sees a publish on its next read, and only a different document
moves the version."""

from __future__ import annotations

import time

import pytest
from redis.asyncio import Redis

from bot.catalogue import StoredCatalogue, parse_catalogue
from bot.errors import CatalogueError
from bot.store.catalogue import CatalogueStore
from bot.store.client import connect
from bot.store.keys import Keys
from tests.bot.catalogue.data import TWO_PRODUCTS, priced
from tests.servers import CLUSTER


def document(data: dict[str, object]) -> str:
    return parse_catalogue(data, source="test").canonical_json()


async def test_publishing_the_same_document_changes_no_version(redis: Redis) -> None:
    store = CatalogueStore(redis, keys=Keys())
    first = await store.publish(document(TWO_PRODUCTS), source="test")
    again = await store.publish(document(TWO_PRODUCTS), source="test")
    changed = await store.publish(document(priced(TWO_PRODUCTS, "tee", 990)), source="test")
    assert (first.version, first.changed) == (1, True)
    assert (again.version, again.changed) == (1, False)
    assert (changed.version, changed.changed) == (2, True)


async def test_a_price_change_is_seen_by_every_reader_on_its_next_read(
        redis: Redis, redis_url: str) -> None:
    writer = CatalogueStore(redis, keys=Keys())
    await writer.publish(document(TWO_PRODUCTS), source="test")
    other_process = connect(redis_url, cluster=CLUSTER)
    try:
        readers = [StoredCatalogue(CatalogueStore(redis, keys=Keys())),
                   StoredCatalogue(CatalogueStore(other_process, keys=Keys()))]
        assert [(await r.current()).product("tee").price_cents  # type: ignore[union-attr]
                for r in readers] == [1990, 1990]
        await writer.publish(document(priced(TWO_PRODUCTS, "tee", 990)), source="erp")
        assert [(await r.current()).product("tee").price_cents  # type: ignore[union-attr]
                for r in readers] == [990, 990]
    finally:
        await other_process.aclose()


async def test_reading_an_unchanged_catalogue_fetches_no_document(redis: Redis) -> None:
    store = CatalogueStore(redis, keys=Keys())
    await store.publish(document(TWO_PRODUCTS), source="test")
    reader = StoredCatalogue(store)
    first = await reader.current()
    assert await reader.current() is first  # the cached one: parsed once


async def test_no_catalogue_yet_says_how_to_give_one(redis: Redis) -> None:
    with pytest.raises(CatalogueError, match=r"catalogue\.path"):
        await StoredCatalogue(CatalogueStore(redis, keys=Keys())).current()


async def test_a_read_costs_one_small_round_trip(redis: Redis) -> None:
    """The measure behind checking the version on every read (bot/catalogue/service.py):
    on the test server, a read of an unchanged catalogue of 2,000 products costs about a
    GET, whatever the document's size (bound loosely: the machine is shared)."""
    big = {"currency": "EUR", "products": [
        {"id": f"p{n}", "price_cents": n, "name": {"en": f"Product {n}"}}
        for n in range(2000)]}
    store = CatalogueStore(redis, keys=Keys())
    await store.publish(document(big), source="test")
    reader = StoredCatalogue(store)
    await reader.current()
    started = time.perf_counter()
    for _ in range(200):
        await reader.current()
    per_read = (time.perf_counter() - started) / 200
    assert per_read < 0.005
