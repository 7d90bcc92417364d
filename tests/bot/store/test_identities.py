"""Which customer an identity belongs to: remembered, looked up once per burst, repaired."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.errors import StoreError
from bot.messages import Identity, Inbound
from bot.store.identities import IdentityCache
from bot.store.results import Claim, Recorded
from bot.store.store import Store
from tests.waiting import eventually

ANA = Identity(channel="whatsapp", account="PNID", user_id="34600000001")
BOB = Identity(channel="whatsapp", account="PNID", user_id="34600000002")


async def test_concurrent_misses_for_one_key_share_one_fetch() -> None:
    cache = IdentityCache(10)
    release = asyncio.Event()
    fetches = 0

    async def fetch() -> str:
        nonlocal fetches
        fetches += 1
        await release.wait()
        return "c1"

    lookups = [asyncio.create_task(cache.lookup("k", fetch)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    answers = await asyncio.gather(*lookups)
    assert fetches == 1
    # Only the one that fetched must make sure the customer lists the identity.
    assert sorted(answers) == [("c1", False)] * 4 + [("c1", True)]
    assert await cache.lookup("k", fetch) == ("c1", False)


async def test_a_cancelled_waiting_lookup_cancels_neither_the_fetch_nor_the_others() -> None:
    cache = IdentityCache(10)
    release, fetching = asyncio.Event(), asyncio.Event()

    async def fetch() -> str:
        fetching.set()
        await release.wait()
        return "c1"

    fetcher = asyncio.create_task(cache.lookup("k", fetch))
    await fetching.wait()
    given_up, waiting = (asyncio.create_task(cache.lookup("k", fetch)) for _ in range(2))

    async def both_waiting() -> bool:
        return len(cache._waiting.get("k", ())) == 2

    await eventually(both_waiting)
    given_up.cancel()
    release.set()
    assert await fetcher == ("c1", True)
    assert await waiting == ("c1", False)
    with pytest.raises(asyncio.CancelledError):
        await given_up


async def test_a_failed_fetch_lets_the_waiting_lookups_try_for_themselves() -> None:
    cache = IdentityCache(10)
    attempts = 0

    async def flaky() -> str:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0)
        if attempts == 1:
            raise StoreError("store down")
        return "c1"

    first, second = await asyncio.gather(cache.lookup("k", flaky), cache.lookup("k", flaky),
                                         return_exceptions=True)
    assert isinstance(first, StoreError)
    assert second == ("c1", True)


async def test_the_least_recently_used_identity_is_forgotten_first() -> None:
    cache = IdentityCache(2)
    cache.remember("a", "1")
    cache.remember("b", "2")

    async def fetch() -> str:
        return "fetched"

    assert await cache.lookup("a", fetch) == ("1", False)  # "a" is now the most recent
    cache.remember("c", "3")
    assert await cache.lookup("b", fetch) == ("fetched", True)
    cache.forget("a")
    assert await cache.lookup("a", fetch) == ("fetched", True)


def inbound(n: int) -> Inbound:
    return Inbound(identity=ANA, message_id=f"wamid.{n}", text=f"hello {n}")


async def test_a_burst_from_a_new_customer_reads_the_identity_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.ingest(Inbound(identity=BOB, message_id="warm", text="loads the scripts"))
    commands: list[str] = []
    execute = store.batcher.execute

    async def counted(*command: Any) -> Any:
        commands.append(str(command[0]))
        return await execute(*command)

    monkeypatch.setattr(store.batcher, "execute", counted)
    outcomes = await asyncio.gather(*(store.ingest(inbound(n)) for n in range(4)))
    customers = {outcome.customer_id for outcome in outcomes}
    assert len(customers) == 1
    assert sum(isinstance(o, Claim) for o in outcomes) == 1
    assert sum(isinstance(o, Recorded) and o.status == "queued" for o in outcomes) == 3
    # One identity script (the customer created) and the four ingest scripts, which add
    # the identity to the new customer's list themselves: no GET, SET NX or HSETNX.
    assert commands == ["EVALSHA"] * 5
    assert await store.identities(customers.pop()) == [ANA]


async def test_ingest_repairs_a_first_contact_cut_short_between_its_two_writes(
    store: Store,
) -> None:
    # A process created the identity's customer and died before listing the identity.
    await store.redis.set(store.keys.identity(ANA.key), "c0ffee")
    outcome = await Store(store.redis).ingest(inbound(1))
    assert isinstance(outcome, Claim) and outcome.customer_id == "c0ffee"
    assert await store.identities("c0ffee") == [ANA]
