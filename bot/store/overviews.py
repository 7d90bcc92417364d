"""Reading many customers at once for lists of conversations (the queue, search
results), moved out of ``store.py`` to keep it under the house's 500 lines."""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from bot.model import Event, Profile, Session
from bot.store.history_codec import load_event
from bot.store.keys import Keys, SessionFields


async def read_overviews(redis: Redis, keys: Keys, customer_ids: Sequence[str], *,
                         events: int = 20,
                         ) -> list[tuple[Session, Profile, list[Event]] | None]:
    """Each customer's session, profile and last ``events`` events, in one pipelined batch
    instead of a few round trips each; None for a customer who is no more (merged into
    another)."""
    async with redis.pipeline(transaction=False) as pipe:
        for customer_id in customer_ids:
            ck = keys.customer(customer_id)
            pipe.hmget(ck.session, [SessionFields.VERSION, SessionFields.DATA,
                                    SessionFields.PROFILE])
            pipe.lrange(ck.events, -events, -1)
            pipe.exists(ck.identities)
        replies = await pipe.execute()
    found: list[tuple[Session, Profile, list[Event]] | None] = []
    for i in range(0, len(replies), 3):
        (version, data, profile), raw_events, exists = replies[i:i + 3]
        if not exists:
            found.append(None)
            continue
        session = Session.model_validate_json(data) if data else Session()
        session.version = int(version or 0)
        found.append((session,
                      Profile.model_validate_json(profile) if profile else Profile(),
                      [load_event(item) for item in raw_events]))
    return found
