"""The customer directory's claims (an e-mail or external id attached through the API,
an ``Idempotency-Key`` remembered) take one step: an entry erased between a refused claim
and its read must not leave the claimant answered "yours" with nothing stored."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.store.directory import CustomerDirectory, Remembered
from bot.store.keys import Keys

SECRET = b"directory-test-secret-0123456789"


def directory(redis: Redis) -> CustomerDirectory:
    return CustomerDirectory(redis, keys=Keys(), links=None, secret=SECRET)


def erased_right_after_a_refused_claim(redis: Redis, monkeypatch: pytest.MonkeyPatch,
                                       key: str) -> list[bool]:
    """Make another process erase ``key`` just after this one's SET NX on it was refused
    (the old claim's window); the list says whether that happened."""
    claim, erased = redis.set, []

    async def refused_then_erased(name: str, *args: object, **kwargs: object) -> object:
        done = await claim(name, *args, **kwargs)
        if name == key and not done and not erased:
            erased.append(True)
            await redis.delete(key)
        return done

    monkeypatch.setattr(redis, "set", refused_then_erased)
    return erased


async def test_an_attached_id_erased_while_another_customer_claims_it_ends_theirs(
        redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    customers = directory(redis)
    assert await customers.attach("external", "crm:hubspot:7", "ana") == "ana"
    key = customers._key("external", "crm:hubspot:7")
    erased = erased_right_after_a_refused_claim(redis, monkeypatch, key)
    holder = await customers.attach("external", "crm:hubspot:7", "bea")
    monkeypatch.undo()
    if not erased:  # one step: Ana's entry is erased after it, as her erasure would
        assert holder == "ana"
        await redis.delete(key)
        holder = await customers.attach("external", "crm:hubspot:7", "bea")
    assert holder == "bea"
    assert await customers.by_external_id("crm:hubspot:7") == "bea"  # "bea" was answered
    assert await customers.attached("bea") == {"email": [], "external": ["crm:hubspot:7"]}


async def test_a_remembered_key_erased_while_a_second_call_claims_it_is_kept_for_it(
        redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    customers = directory(redis)
    first = Remembered("f1", {"answer": {"id": "n_1"}})
    second = Remembered("f2", {"answer": {"id": "n_2"}})
    assert await customers.remember("crm", "k1", first, customer_id="ana",
                                    ttl_seconds=60) == first
    key = customers.keys.idempotency("crm", "k1")
    erased = erased_right_after_a_refused_claim(redis, monkeypatch, key)
    kept = await customers.remember("crm", "k1", second, customer_id="ana", ttl_seconds=60)
    monkeypatch.undo()
    if not erased:
        assert kept == first
        await redis.delete(key)
        kept = await customers.remember("crm", "k1", second, customer_id="ana",
                                        ttl_seconds=60)
    assert kept == second
    assert await customers.recall("crm", "k1") == second  # what was answered is kept
    assert 0 < await redis.ttl(key) <= 60


async def test_a_key_remembered_for_less_than_a_second_still_expires(redis: Redis) -> None:
    customers = directory(redis)
    entry = Remembered("f", {"answer": {}})
    assert await customers.remember("crm", "k2", entry, customer_id="ana",
                                    ttl_seconds=0) == entry
    assert 0 < await redis.ttl(customers.keys.idempotency("crm", "k2")) <= 1
