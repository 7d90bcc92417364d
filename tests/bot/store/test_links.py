"""Link codes and the vouched-phone index as they sit in the store: keyed hashes that a
dump cannot be reversed from; the secret they are keyed with, generated once and kept."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.linking import codes
from bot.store.keys import Keys
from bot.store.links import LinkStore
from bot.store.secrets import file_secret, store_secret

SECRET = b"k" * 32


async def _all_keys(redis: Redis) -> set[str]:
    return {k.decode() if isinstance(k, bytes) else k async for k in redis.scan_iter("*")}


async def test_link_codes_and_phones_in_a_dump_are_keyed_hashes(redis: Redis) -> None:
    links = LinkStore(redis, keys=Keys(), secret=SECRET)
    code = codes.new_code()
    assert await links.save_code(links.digest(code), "cust-1")
    await links.claim_phone("+34600111222", "cust-1")
    dumped = await _all_keys(redis)
    unkeyed_code = hashlib.sha256(f"omnicanal-link:{code}".encode()).hexdigest()
    unkeyed_phone = hashlib.sha256(b"omnicanal-phone:+34600111222").hexdigest()
    assert not any(unkeyed_code in key or unkeyed_phone in key for key in dumped), dumped
    assert not any(code in key or "34600111222" in key for key in dumped)
    assert await links.peek(links.digest(code)) == "cust-1"
    other = LinkStore(redis, keys=Keys(), secret=b"x" * 32)
    assert await other.peek(other.digest(code)) is None, "useless without the secret"


async def test_an_unkeyed_phone_entry_moves_to_the_keyed_index_on_next_use(
    redis: Redis,
) -> None:
    keys = Keys()
    legacy = keys.legacy_phone(hashlib.sha256(b"omnicanal-phone:+34600999000").hexdigest())
    await redis.set(legacy, "old-holder")  # written before the upgrade
    links = LinkStore(redis, keys=keys, secret=SECRET)
    assert await links.claim_phone("+34600999000", "newcomer") == "old-holder"
    assert await redis.get(legacy) is None
    assert await links.claim_phone("+34600999000", "someone-else") == "old-holder"


def test_a_file_secret_is_owner_only_and_kept_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "data" / "link.secret"
    first = file_secret(path)
    assert len(first) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert file_secret(path) == first


async def test_a_store_secret_is_generated_once_for_every_process(redis: Redis) -> None:
    first = await store_secret(redis, Keys(), "linking")
    assert await store_secret(redis, Keys(), "linking") == first
    assert len(first) == 64


async def test_a_changed_number_is_released_from_the_unkeyed_index_too(redis: Redis) -> None:
    keys = Keys()
    legacy = keys.legacy_phone(hashlib.sha256(b"omnicanal-phone:+34600888777").hexdigest())
    await redis.set(legacy, "old-holder")  # written before the upgrade, never used since
    links = LinkStore(redis, keys=keys, secret=SECRET)
    await links.release_phone("+34600888777", "old-holder")
    assert await links.claim_phone("+34600888777", "new-owner") == "new-owner"



async def test_a_number_moved_while_its_old_holder_releases_it_keeps_its_new_holder(
        redis: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    links = LinkStore(redis, keys=Keys(), secret=SECRET)
    assert await links.claim_phone("+34600777666", "ana") == "ana"
    moved = False
    read = redis.get

    async def read_then_moved(key: str) -> object:  # another process moves it just then
        nonlocal moved
        value = await read(key)
        if not moved:
            moved = True
            await links.move_phone("+34600777666", "bea")
        return value

    monkeypatch.setattr(redis, "get", read_then_moved)
    await links.release_phone("+34600777666", "ana")  # read-then-delete deleted Bea's
    monkeypatch.undo()
    if not moved:  # the release took one step: the move comes right after it
        await links.move_phone("+34600777666", "bea")
    assert await links.phone_holder("+34600777666") == "bea"
    await links.release_phone("+34600777666", "ana")  # not hers any more: nothing goes
    assert await links.phone_holder("+34600777666") == "bea"
