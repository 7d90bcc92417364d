"""The ERP's catalogue endpoint polled over real HTTP (``tests/fakes/erp_api.py``): an
unchanged catalogue is a 304 (the ETag is sent back), a change is published, and bad
data or a failing endpoint leave the catalogue held as it was."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.catalogue import StoredCatalogue
from bot.catalogue.poller import CataloguePoller
from bot.errors import CatalogueError
from bot.store.catalogue import CatalogueStore
from bot.store.keys import Keys
from tests.bot.catalogue.data import TWO_PRODUCTS, priced
from tests.fakes.erp_api import FakeERP

TOKEN = "erp-secret-token"


@pytest.fixture
async def erp() -> AsyncIterator[FakeERP]:
    async with FakeERP(TWO_PRODUCTS, token=TOKEN) as fake:
        yield fake


def poller_of(redis: Redis, erp: FakeERP, *, max_bytes: int = 1024 * 1024) -> CataloguePoller:
    return CataloguePoller(store=CatalogueStore(redis, keys=Keys()),
                           url=f"{erp.base_url}/catalogue",
                           headers={"Authorization": f"Bearer {TOKEN}"}, poll_seconds=60,
                           timeout_seconds=2, max_bytes=max_bytes)


async def price_of(redis: Redis, product_id: str) -> int:
    product = (await StoredCatalogue(CatalogueStore(redis, keys=Keys())).current()).product(
        product_id)
    assert product is not None
    return product.price_cents


class Refusals(logging.Handler):
    """The poll loop's "catalogue not updated" lines, and an event at the first."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "catalogue not updated" in record.getMessage():
            self.messages.append(record.getMessage())
            self.seen.set()


async def test_an_unchanged_catalogue_is_asked_with_its_etag_and_not_sent_again(
        redis: Redis, erp: FakeERP) -> None:
    poller = poller_of(redis, erp)
    try:
        first = await poller.poll_once()
        assert first is not None and first.version == 1
        # Another process (a poller of its own) finds the ETag in the store, with the data.
        assert await poller_of(redis, erp).poll_once() is None
    finally:
        await poller.close()
    assert erp.requests == [(None, 200), (erp.etag(), 304)]


async def test_a_price_changed_in_the_erp_is_published(redis: Redis, erp: FakeERP) -> None:
    poller = poller_of(redis, erp)
    try:
        await poller.poll_once()
        erp.document = priced(TWO_PRODUCTS, "jeans", 5900)
        published = await poller.poll_once()
    finally:
        await poller.close()
    assert published is not None and (published.version, published.changed) == (2, True)
    assert await price_of(redis, "jeans") == 5900


async def test_bad_data_from_the_erp_is_refused_whole_and_the_old_catalogue_stays(
        redis: Redis, erp: FakeERP) -> None:
    poller = poller_of(redis, erp)
    await poller.poll_once()
    # One product good (a new price), one bad: nothing of it is taken.
    erp.document = priced(priced(TWO_PRODUCTS, "tee", 100), "jeans", "free")
    with pytest.raises(CatalogueError, match=r"product 'jeans' \(products\[1\]\) field "
                                             r"price_cents"):
        await poller.poll_once()
    stop, refused = asyncio.Event(), Refusals()
    log = logging.getLogger("bot.catalogue.poller")
    log.addHandler(refused)
    try:
        running = asyncio.create_task(poller.run(stop))
        await asyncio.wait_for(refused.seen.wait(), 5)  # the loop logs it, and goes on
        stop.set()
        await running
    finally:
        log.removeHandler(refused)
    assert "product 'jeans'" in refused.messages[0]
    assert await price_of(redis, "tee") == 1990
    assert await CatalogueStore(redis, keys=Keys()).version() == 1


async def test_an_erp_that_fails_or_sends_too_much_leaves_the_catalogue_held(
        redis: Redis, erp: FakeERP) -> None:
    poller = poller_of(redis, erp, max_bytes=2048)
    try:
        await poller.poll_once()
        erp.status = 503
        with pytest.raises(CatalogueError, match="answered 503"):
            await poller.poll_once()
        erp.status = None
        erp.document = {**TWO_PRODUCTS, "products": [
            {"id": f"p{n}", "price_cents": n, "name": {"en": "x" * 50}} for n in range(100)]}
        with pytest.raises(CatalogueError, match=r"over catalogue\.max_bytes"):
            await poller.poll_once()
    finally:
        await poller.close()
    assert await price_of(redis, "tee") == 1990
