"""Finding customers by their conversation's mode, from the sessions themselves.

The commit script writes the session's mode (``m``) next to its JSON, so a SCAN over the
sessions can tell which conversations are queued for a person without parsing every one
(only the mode is read of each; the JSON of those in the mode). It reads every session
key: the handoff queue's rare full check (once an hour, by one process: see
``bot/handoff/queue_repair.py``), never a lookup for the hot path or a periodic chore.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.exceptions import RedisError

from bot.errors import StoreError
from bot.model import Session
from bot.store.keys import SessionFields
from bot.store.results import as_str
from bot.store.store import Store

_BATCH = 500


async def sessions_in_mode(store: Store, mode: str) -> AsyncIterator[tuple[str, Session]]:
    """Every customer whose committed session is in ``mode``, with that session."""
    keys = store.keys
    batch: list[str] = []
    try:
        async for key in store.redis.scan_iter(match=keys.session_pattern, count=_BATCH):
            batch.append(as_str(key))
            if len(batch) >= _BATCH:
                async for found in _in_mode(store, batch, mode):
                    yield found
                batch = []
        async for found in _in_mode(store, batch, mode):
            yield found
    except (RedisError, OSError) as exc:
        raise StoreError(f"could not scan the sessions: {exc}") from exc


async def _in_mode(store: Store, session_keys: list[str],
                   mode: str) -> AsyncIterator[tuple[str, Session]]:
    if not session_keys:
        return
    async with store.redis.pipeline(transaction=False) as pipe:
        for key in session_keys:
            pipe.hget(key, SessionFields.MODE)
        modes = await pipe.execute()
    matching = [key for key, stored in zip(session_keys, modes, strict=True)
                if stored is not None and as_str(stored) == mode]
    if not matching:
        return
    async with store.redis.pipeline(transaction=False) as pipe:
        for key in matching:
            pipe.hmget(key, [SessionFields.MODE, SessionFields.DATA])
        answers = await pipe.execute()
    for key, (stored_mode, data) in zip(matching, answers, strict=True):
        # Read again: a turn may have moved it on between the two reads.
        if stored_mode is not None and as_str(stored_mode) == mode and data:
            yield store.keys.customer_id_of(key), Session.model_validate_json(data)


async def lease_and_session(store: Store, customer_id: str) -> tuple[str | None, Session | None]:
    """Who holds the customer's lease (its token), then their committed session, read in
    that order in one round trip: once the lease is seen held by another token (or by
    none), a turn of the old token can no longer commit, so the session read after it
    holds whatever that turn committed."""
    ck = store.keys.customer(customer_id)
    try:
        async with store.redis.pipeline(transaction=False) as pipe:
            pipe.get(ck.lease)
            pipe.hget(ck.session, SessionFields.DATA)
            token, data = await pipe.execute()
    except (RedisError, OSError) as exc:
        raise StoreError(f"could not read the session of {customer_id}: {exc}") from exc
    return (None if token is None else as_str(token),
            Session.model_validate_json(data) if data else None)
