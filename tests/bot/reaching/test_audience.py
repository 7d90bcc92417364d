"""The audience a segment selects from the store, against a straightforward reading of
the same customers on a mixed population: every customer read whole with plain commands
(the session and profile models, every identity, mark and time) and each condition
checked as the segment's documentation says. The audience finder reads less (one script
a customer, the session only when needed) and must select the same customers, on the
same channel, with the same skips counted, for every kind of condition."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.campaigns.audience import AudienceFinder, Selection
from bot.campaigns.segments import NO_CONSENT, NO_REACHABLE_CHANNEL, profile_values
from bot.config.campaigns import Segment
from bot.consent.ledger import allowed
from bot.messages import Identity
from bot.model import Consent, Frame, Profile, Session
from bot.store.campaigns import CampaignStore, member
from bot.store.keys import SessionFields
from bot.store.store import Store

NOW = time.time()
HOUR = 3600.0
DAY = 24 * HOUR
ENABLED = ["whatsapp", "telegram", "webchat"]
#: sms is not enabled here: identities on it can never be used.
CHANNELS = [*ENABLED, "sms"]
DEFAULTS = {"marketing": False, "notifications": True}
CUSTOMERS = 240

SEGMENTS: list[dict[str, Any]] = [
    {},
    {"consent": "notifications"},
    {"tags": ["vip"]},
    {"tags": ["vip", "madrid"]},
    {"locales": ["es"]},
    {"locales": ["en"]},  # the default locale: customers with none count as en
    {"channels": ["telegram"]},
    {"channels": ["sms"]},  # never reachable: matched, all skipped
    {"channels": ["whatsapp", "webchat"]},
    {"last_seen_before": NOW - 10 * DAY},
    {"last_seen_after": NOW - 5 * DAY},
    {"profile": {"timezone": "Europe/Madrid"}},
    {"profile": {"first_name": "Ana"}},
    {"profile": {"email": "ana@example.com"}},
    {"profile": {"locale": "es", "preferred_channel": "telegram"}},
    {"unfinished_flow": {"flow": "returns", "hours": 24}},
    {"unfinished_flow": {"flow": "orders", "hours": 1}},
    {"tags": ["vip"], "locales": ["es"], "channels": ["whatsapp"],
     "last_seen_after": NOW - 20 * DAY, "unfinished_flow": {"flow": "returns", "hours": 2}},
]


def consents(rng: random.Random) -> dict[str, Consent]:
    """A ledger with grants and refusals on every channel or one, old and new, some under
    the legacy "offers" key."""
    ledger: dict[str, Consent] = {}
    for key in rng.sample(["marketing", "offers", "notifications", "marketing@whatsapp",
                           "marketing@telegram", "notifications@webchat"], rng.randint(0, 3)):
        scope = key.partition("@")[2] or "all"
        ledger[key] = Consent(granted=rng.random() < 0.7, at=NOW - rng.uniform(0, 90) * DAY,
                              channel=scope if scope != "all" else "whatsapp", scope=scope)
    return ledger


def frames(rng: random.Random) -> list[Frame]:
    return [Frame(flow=rng.choice(["returns", "orders", "offers"]), step="ask",
                  started_at=NOW - rng.uniform(0, 3) * DAY) for _ in range(rng.randint(0, 2))]


async def populate(store: Store, rng: random.Random) -> None:
    """A mixed population, filed as the runtime keeps customers (the bench's layout)."""
    index = store.search_index()
    async with store.redis.pipeline(transaction=False) as pipe:
        for n in range(CUSTOMERS):
            customer_id = f"m{n:04d}"
            identities = [Identity(channel=c, account="acct", user_id=f"{c[:2]}{n}-{k}")
                          for k, c in enumerate(rng.sample(CHANNELS, rng.randint(0, 3)))]
            profile = Profile(
                name=rng.choice([None, "Ana López", "Ana", "Luis Gómez"]),
                email=rng.choice([None, "ana@example.com"]),
                locale=rng.choice([None, "es", "en", "fr"]),
                timezone=rng.choice([None, "Europe/Madrid", "America/Mexico_City"]),
                preferred_channel=rng.choice([None, "telegram", "whatsapp"]),
                tags=rng.sample(["vip", "madrid", "new"], rng.randint(0, 3)),
                consents=consents(rng))
            session = Session(address=rng.choice([None, *identities]), stack=frames(rng),
                              suspended=frames(rng))
            ck = store.keys.customer(customer_id)
            if rng.random() < 0.9:  # some have no session yet (filed by the API only)
                pipe.hset(ck.session, mapping={
                    SessionFields.VERSION: 1, SessionFields.DATA: session.model_dump_json(),
                    SessionFields.PROFILE: profile.model_dump_json(),
                    SessionFields.MODE: "bot"})
            for identity in identities:
                pipe.hset(ck.identities, identity.key, int(NOW * 1000))
                if rng.random() < 0.7:
                    wrote = NOW - rng.uniform(0, 30) * DAY
                    pipe.hset(ck.last_inbound, identity.key, int(wrote * 1000))
                if rng.random() < 0.2:
                    pipe.hset(ck.unreachable, identity.key, "blocked")
            if rng.random() < 0.1:  # a mark left on an identity no longer linked
                pipe.hset(ck.unreachable, "whatsapp:acct:gone", "blocked")
            part = store.keys.search_shard(index.shard_of(customer_id))
            pipe.zadd(f"{part}:recent", {customer_id: NOW - rng.uniform(0, 30) * DAY})
        await pipe.execute()


@dataclass(frozen=True)
class Whole:
    """One customer of the directory as the store has them, read plainly and whole."""

    customer_id: str
    last_seen: float
    session: Session
    profile: Profile
    identities: list[Identity]
    unreachable: set[str]
    wrote: dict[str, int]


async def read_whole(redis: Redis, store: Store) -> list[Whole]:
    found = []
    for customer_id, last_seen in await store.search_index().everyone():
        ck = store.keys.customer(customer_id)
        data, raw_profile = await redis.hmget(ck.session, ["d", "p"])  # type: ignore[arg-type]
        ids = [Identity.from_key(k.decode()) for k in await redis.hkeys(ck.identities)]
        wrote = await redis.hgetall(ck.last_inbound)
        if ids:  # none: merged into another customer, or erased
            found.append(Whole(
                customer_id, last_seen,
                Session.model_validate_json(data) if data else Session(),
                Profile.model_validate_json(raw_profile) if raw_profile else Profile(), ids,
                {k.decode() for k in await redis.hkeys(ck.unreachable)},
                {k.decode(): int(v) for k, v in wrote.items()}))
    return found


def in_segment(segment: Segment, whole: Whole) -> bool:
    profile, values = whole.profile, profile_values(whole.profile)
    frames = [*whole.session.stack, *whole.session.suspended]
    rule = segment.unfinished_flow
    return (set(segment.tags) <= set(profile.tags)
            and (not segment.locales or (profile.locale or "en") in segment.locales)
            and (not segment.channels
                 or any(i.channel in segment.channels for i in whole.identities))
            and (segment.last_seen_before is None
                 or whole.last_seen < segment.last_seen_before.timestamp())
            and (segment.last_seen_after is None
                 or whole.last_seen > segment.last_seen_after.timestamp())
            and all(values.get(k) == v for k, v in segment.profile.items())
            and (rule is None or any(f.flow == rule.flow
                                     and NOW - f.started_at >= rule.hours * HOUR
                                     for f in frames)))


def straightforward(everyone: list[Whole], segment: Segment) -> Selection:
    """Each condition checked plainly; then reachability, consent, and the channel (the
    session's address when it consents, else the identity written from last)."""
    recipients: list[str] = []
    skipped: Counter[str] = Counter()
    matched = 0
    for whole in everyone:
        if not in_segment(segment, whole):
            continue
        matched += 1
        usable = sorted((i for i in whole.identities if i.channel in ENABLED
                         and i.key not in whole.unreachable
                         and (not segment.channels or i.channel in segment.channels)),
                        key=lambda i: whole.wrote.get(i.key, 0), reverse=True)
        if not usable:
            skipped[NO_REACHABLE_CHANNEL] += 1
            continue
        consenting = [i for i in usable if allowed(
            whole.profile.consents, segment.consent, i.channel,
            default=DEFAULTS.get(segment.consent, False))]
        if not consenting:
            skipped[NO_CONSENT] += 1
            continue
        address = whole.session.address
        channel = address.channel if address in consenting else consenting[0].channel
        recipients.append(member(whole.customer_id, whole.profile.timezone or "UTC", channel))
    return Selection(matched, recipients, dict(skipped))


def audience_finder(store: Store) -> AudienceFinder:
    return AudienceFinder(index=store.search_index(),
                          campaigns=CampaignStore(store.redis, store.batcher, store.keys),
                          enabled=ENABLED, consent_defaults=DEFAULTS, default_locale="en",
                          default_timezone="UTC")


@pytest.mark.parametrize("seed", [18, 1800])
async def test_every_condition_selects_what_the_straightforward_reading_selects(
        store: Store, redis: Redis, seed: int) -> None:
    await populate(store, random.Random(seed))
    finder = audience_finder(store)
    everyone = await read_whole(redis, store)
    reached = 0
    for raw in SEGMENTS:
        segment = Segment.model_validate(raw)
        expected = straightforward(everyone, segment)
        found = await finder.select(segment, now=NOW)
        assert found == expected, raw
        reached += found.audience
    # The population is mixed enough that the conditions select, skip, and reach.
    whole = straightforward(everyone, Segment())
    assert whole.audience and whole.skipped.get(NO_CONSENT) and \
        whole.skipped.get(NO_REACHABLE_CHANNEL)
    assert reached > whole.audience


async def test_a_store_that_forgot_its_scripts_still_answers_every_customer(
        store: Store, redis: Redis) -> None:
    """A restarted server has no scripts: the reads that met NOSCRIPT are sent again."""
    await populate(store, random.Random(7))
    finder = audience_finder(store)
    before = await finder.select(Segment(), now=NOW)
    await redis.script_flush()
    assert await finder.select(Segment(), now=NOW) == before
    assert before == straightforward(await read_whole(redis, store), Segment())


async def test_the_directory_is_read_whole_in_chunks_of_any_size(
        store: Store, redis: Redis) -> None:
    await populate(store, random.Random(3))
    index = store.search_index()
    expected = []
    for shard in range(index.shards):
        rows = await redis.zrange(f"{store.keys.search_shard(shard)}:recent", 0, -1,
                                  withscores=True)
        expected += [(member.decode(), score) for member, score in rows]
    assert len(expected) == CUSTOMERS
    for chunk in (1, 7, CUSTOMERS, 5000):
        assert await index.everyone(chunk=chunk) == expected
