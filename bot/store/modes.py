"""Finding customers by their conversation's mode, from the sessions themselves.

The commit script writes the session's mode (``m``) next to its JSON, so a SCAN over the
sessions can tell which conversations are queued for a person without parsing every one.
It reads every session key: a repair for the shared views (the handoff queue), run every
minute or so, not a lookup for the hot path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.exceptions import RedisError

from bot.errors import StoreError
from bot.model import Session
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
            pipe.hmget(key, ["m", "d"])
        answers = await pipe.execute()
    for key, (stored_mode, data) in zip(session_keys, answers, strict=True):
        if stored_mode is not None and as_str(stored_mode) == mode and data:
            yield store.keys.customer_id_of(key), Session.model_validate_json(data)
