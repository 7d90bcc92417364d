"""Campaign benchmark (issue 18): a campaign to N customers (100,000 by default) over the
embedded server's Valkey, in one process.

    .venv/bin/python -m bench.campaign [--customers 100000]

1. Files N customers as the runtime would have them (a session with their address, a
   profile that consented to marketing, an identity, when they last wrote, an entry in
   the search index's directory), written directly in pipelined batches (not timed).
2. Times ``Campaigns.create``: choosing the audience from the directory (every customer
   read and checked against the segment, consent and reachability) and writing the
   campaign's queue: "select and enqueue".
3. Reads ``used_memory`` before and after (the queue and counters: bytes per recipient),
   and again after sending (the outcome per customer, the session's campaign mark, the
   history event, the inbox dedupe mark).
4. Times sending: the campaign clock claims recipients, queues each in their inbox, and
   the pipeline runs each turn (the campaign stage decides, the commit writes the
   history and outbox, the dispatcher sends) to a connector that accepts everything, no
   rate limit: sends per second of one worker process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

from redis.asyncio import Redis

from bench.form import form
from bench.server import BenchServer, snapshot
from bot import loop
from bot.campaigns.audience import AudienceFinder
from bot.campaigns.clock import CampaignClock
from bot.campaigns.service import Campaigns
from bot.campaigns.stage import CampaignStage
from bot.channels import Capabilities, SendContext, SendReceipt
from bot.config.campaigns import CampaignDefinition, CampaignSettings
from bot.config.reaching import ConsentSettings, NotificationSettings
from bot.dialogue import DialogueEngine
from bot.dispatch import Dispatcher
from bot.messages import Identity, Outbound
from bot.model import Consent, Profile, Session
from bot.pipeline import Pipeline
from bot.reaching.notifications import Reaching
from bot.store.campaigns import CampaignStore
from bot.store.keys import SessionFields
from bot.store.store import Store
from connectors.collecting import CollectingConnector

CHANNEL = "bench"


class AcceptingConnector(CollectingConnector):
    """A platform that accepts everything: counts, keeps nothing, does no I/O."""

    def __init__(self) -> None:
        super().__init__(channel=CHANNEL, capabilities=Capabilities(max_buttons=3))
        self.count = 0

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        self.count += 1
        return SendReceipt(platform_message_id=key or None)


async def populate(store: Store, customers: int) -> None:
    index = store.search_index()
    now = time.time()
    granted = Consent(granted=True, at=now - 86400, channel=CHANNEL, source="flow:offers")
    for start in range(0, customers, 2000):
        async with store.redis.pipeline(transaction=False) as pipe:
            for n in range(start, min(start + 2000, customers)):
                customer_id = f"c{n:07d}"
                identity = Identity(channel=CHANNEL, account=CHANNEL, user_id=f"u{n}")
                session = Session(address=identity)
                profile = Profile(name=f"Customer {n}", locale="en" if n % 2 else "es",
                                  consents={"marketing": granted})
                ck = store.keys.customer(customer_id)
                pipe.hset(ck.session, mapping={
                    SessionFields.VERSION: 1, SessionFields.DATA: session.model_dump_json(),
                    SessionFields.PROFILE: profile.model_dump_json(),
                    SessionFields.MODE: "bot"})
                pipe.hset(ck.identities, identity.key, int(now * 1000))
                pipe.hset(ck.last_inbound, identity.key, int(now * 1000))
                pipe.set(store.keys.identity(identity.key), customer_id)
                part = store.keys.search_shard(index.shard_of(customer_id))
                pipe.zadd(f"{part}:recent", {customer_id: now - n})
            await pipe.execute()


async def used_memory(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def run(customers: int, *, select_only: bool = False) -> dict[str, object]:
    server = BenchServer()
    server.start()
    try:
        store = Store.connect(server.url())  # the runtime's pool: bounded, blocking
        redis = store.redis
        await populate(store, customers)
        connector = AcceptingConnector()
        reaching = Reaching(notifications=NotificationSettings(), consent=ConsentSettings(),
                            channels={CHANNEL: connector.capabilities},
                            accounts=[(CHANNEL, CHANNEL)], default_locale="en")
        engine = DialogueEngine([form], default_flow="form")
        campaigns = CampaignStore(store.redis, store.batcher, store.keys)
        stage = CampaignStage(store=store, campaigns=campaigns, reaching=reaching,
                              engine=engine, attribution_hours=72)
        dispatcher = Dispatcher(store=store, connectors={CHANNEL: connector})
        pipeline = Pipeline(store=store, engine=engine, dispatcher=dispatcher, stages=[stage])
        service = Campaigns(store=campaigns, flows=[], audience=AudienceFinder(
            index=store.search_index(), campaigns=campaigns, enabled=[CHANNEL],
            consent_defaults=reaching.consent.defaults, default_locale="en",
            default_timezone="UTC"))
        definition = CampaignDefinition(name="Spring", text={
            "en": "{first_name}, spring sale: 20% off.", "es": "{first_name}, rebajas: 20%."})
        before = await used_memory(redis)
        store_before = await snapshot(redis)
        started, cpu = time.perf_counter(), time.process_time()
        created = await service.create(definition, by="bench")
        selected = time.perf_counter() - started
        select_cpu = time.process_time() - cpu
        select_store_cpu = (await snapshot(redis)).minus(store_before).cpu
        queued_memory = await used_memory(redis)
        figures: dict[str, object] = {
            "customers": customers, "audience": created["audience"],
            "select_and_enqueue_seconds": round(selected, 2),
            "select_cpu_seconds": round(select_cpu, 2),
            "select_store_cpu_seconds": round(select_store_cpu, 2),
            "select_cpu_us_per_customer": round(select_cpu / customers * 1e6, 1),
            "queue_bytes_per_recipient": round((queued_memory - before) / customers, 1),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"Python {platform.python_version()}"}
        if select_only:
            await store.close()
            return figures
        clock = CampaignClock(campaigns, enqueue=pipeline.enqueue_business,
                              settings=CampaignSettings(batch=2000),
                              idle=pipeline.turns.wait_idle)
        store_before = await snapshot(redis)
        started, cpu = time.perf_counter(), time.process_time()
        while await campaigns.remaining(created["id"]):
            await clock.tick()
        await pipeline.turns.wait_idle()
        while len(dispatcher.senders):
            await dispatcher.senders.wait_idle()
        sending = time.perf_counter() - started
        send_cpu = time.process_time() - cpu
        send_store_cpu = (await snapshot(redis)).minus(store_before).cpu
        sent_memory = await used_memory(redis)
        stats = await service.stats(created["id"])
        await store.close()
        assert stats is not None
        return {
            **figures,
            "sent_bytes_per_recipient": round((sent_memory - before) / customers, 1),
            "send_seconds": round(sending, 2), "sent": connector.count,
            "sends_per_second": round(connector.count / sending),
            # This process's CPU per send: the rate one free core would reach (the wall
            # figures move with other load on the machine, this one hardly).
            "send_cpu_us_per_recipient": round(send_cpu / connector.count * 1e6),
            "sends_per_cpu_second": round(connector.count / send_cpu),
            "send_store_cpu_us_per_recipient": round(send_store_cpu / connector.count * 1e6),
            "stats_sent": stats["sent"],
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.campaign", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--select-only", action="store_true",
                        help="stop after select and enqueue (no sending)")
    args = parser.parse_args()
    # The runtime's loop and collector settings (uvloop, a frozen start-up heap).
    figures = loop.run(run(args.customers, select_only=args.select_only))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
