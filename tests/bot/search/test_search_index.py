"""The search index through the real pipeline and store: each field a conversation is
found by, the filters, a customer on two linked channels, and an index that catches up
with turns whose filing was lost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.messages import Identity, Inbound
from bot.model import OperatorAction, OperatorActionKind
from bot.runtime import Runtime
from bot.search import terms as t
from bot.search.indexer import INDEXERS, SearchIndexer
from bot.store.chores import Attendance
from bot.store.search import SearchIndex
from bot.store.store import Store
from connectors.collecting import CollectingConnector
from tests.bot.handoff.test_queue_repair import repairs_done_elsewhere
from tests.bot.linking.test_linking import BUTTONS, TEXT_ONLY, Customer, channel, link_code
from tests.bot.store.test_server_work import commands_run
from tests.servers import CLUSTER


@pytest.fixture
async def runtime(make_settings: Any, redis: Any) -> AsyncIterator[Runtime]:
    channels = [CollectingConnector(channel="telegram", capabilities=BUTTONS),
                CollectingConnector(channel="whatsapp", capabilities=TEXT_ONLY)]
    settings = make_settings()
    await repairs_done_elsewhere(redis, settings)
    async with Runtime(settings, connectors=channels, serve_http=False) as rt:
        yield rt


def index(runtime: Runtime) -> SearchIndex:
    assert runtime.indexer is not None
    return runtime.indexer.index


async def found(runtime: Runtime, query: str, *facets: str, since: float = 0,
                until: float = float("inf")) -> list[str]:
    terms = [*t.query_terms(query), *facets]
    hits = await index(runtime).find(terms, since=since, until=until)
    return [hit.customer_id for hit in hits]


async def test_a_conversation_is_found_by_every_field_it_has(runtime: Runtime) -> None:
    ana = Customer(runtime, channel(runtime, "telegram"), "7001", name="Ana Lopez")
    await ana.says("/report")
    await ana.says("T100")
    await ana.says(payload="cable", text="Power cable")
    await ana.says("the screen flickers since Tuesday")
    other = Customer(runtime, channel(runtime, "whatsapp"), "34600111222", name="Bob")
    await other.says("hello")
    ana_id, bob_id = await ana.customer_id(), await other.customer_id()

    assert await found(runtime, "Ana") == [ana_id], "the name"
    assert await found(runtime, "ana lop") == [ana_id], "the name from its first letters"
    assert await found(runtime, "José") == []
    assert await found(runtime, "T100") == [ana_id], "an order (ticket) number"
    assert await found(runtime, "flickers") == [ana_id], "any word of the transcript"
    assert await found(runtime, "7001") == [ana_id], "the external (platform) id"
    assert await found(runtime, "+34 600 11 12 22") == [bob_id], "a phone, written any way"
    assert await found(runtime, "600111222") == [bob_id], "a phone without its prefix"
    assert await found(runtime, ana_id[:6]) == [ana_id], "the short id"
    assert await found(runtime, "flickers hello") == [], "every word must match"


async def test_an_email_is_found_whole_and_by_its_parts(runtime: Runtime) -> None:
    ana = Customer(runtime, channel(runtime, "telegram"), "7002", name="Ana")
    await ana.says("/report")
    await ana.says("T100")
    await ana.says(payload="cable", text="Power cable")
    await ana.says(payload="broken", text="It is broken")
    await ana.says(payload="repair", text="Repair it")
    await ana.says("ana.lopez@example.com")
    ana_id = await ana.customer_id()
    assert await found(runtime, "ana.lopez@example.com") == [ana_id]
    assert await found(runtime, "lopez") == [ana_id]
    assert await found(runtime, "ana.lopez@other.com") == []


async def test_filters_by_channel_status_assignee_and_date(runtime: Runtime) -> None:
    ana = Customer(runtime, channel(runtime, "telegram"), "7003", name="Ana")
    await ana.says("hello")
    bob = Customer(runtime, channel(runtime, "whatsapp"), "34600999888", name="Bob")
    await bob.says("hello")
    await bob.says("/human")
    ana_id, bob_id = await ana.customer_id(), await bob.customer_id()

    assert await found(runtime, "hello", t.facet("ch", "telegram")) == [ana_id]
    assert await found(runtime, "", t.facet("ch", "whatsapp")) == [bob_id]
    assert await found(runtime, "", t.facet("status", "queued")) == [bob_id]
    assert await found(runtime, "", t.facet("status", "bot")) == [ana_id]
    assert await found(runtime, "hello") == [bob_id, ana_id], "newest first"
    assert await found(runtime, "hello", until=time.time() - 3600) == []
    assert await found(runtime, "hello", since=time.time() + 3600) == []

    actions: tuple[OperatorActionKind, ...] = ("take", "resolve")
    for action in actions:
        await runtime.pipeline.act(bob_id, OperatorAction(id=action, operator="ana",
                                                          action=action))
        await runtime.settle()
    assert await found(runtime, "", t.facet("status", "resolved")) == [bob_id]
    assert await found(runtime, "", t.facet("status", "queued")) == []
    assert await found(runtime, "", t.facet("op", "ana")) == [bob_id], "the last assignee"


async def test_a_customer_on_two_linked_channels_is_found_by_what_each_said(
    runtime: Runtime,
) -> None:
    on_telegram = Customer(runtime, channel(runtime, "telegram"), "7004", name="Ana")
    await on_telegram.says("my parcel never arrived")
    code = await link_code(on_telegram)
    on_whatsapp = Customer(runtime, channel(runtime, "whatsapp"), "34600222333")
    await on_whatsapp.says("a broken umbrella")
    await on_whatsapp.says(code)
    await on_whatsapp.says("join")  # with a history here, the word: one customer now
    customer = await on_telegram.customer_id()
    assert await on_whatsapp.customer_id() == customer

    assert await found(runtime, "parcel") == [customer]
    assert await found(runtime, "umbrella") == [customer], "the merged side's history"
    assert await found(runtime, "34600222333") == [customer]
    assert await found(runtime, "parcel umbrella") == [customer], "one customer, both sides"
    assert await found(runtime, "", t.facet("ch", "whatsapp")) == [customer]
    assert await found(runtime, "", t.facet("ch", "telegram")) == [customer]


async def test_a_lost_filing_is_caught_up_at_the_next_turn_and_at_start_up(
    runtime: Runtime,
) -> None:
    indexer = runtime.indexer
    assert indexer is not None
    observers = runtime.pipeline.observers

    async def unfiled(customer: Customer, text: str) -> None:
        """A turn committed by a process that died before filing it."""
        observers.remove(indexer)
        await customer.says(text)
        observers.append(indexer)

    ana = Customer(runtime, channel(runtime, "telegram"), "7005", name="Ana")
    await ana.says("first words")
    await unfiled(ana, "nobody filed these pineapples")
    ana_id = await ana.customer_id()
    assert await found(runtime, "pineapples") == [], "lost, for now"
    await ana.says("more words")
    assert await found(runtime, "pineapples") == [ana_id], "the next filing saw the gap"

    await unfiled(ana, "a last word: mangoes")  # and the customer never writes again
    assert await found(runtime, "mangoes") == []
    assert await indexer.catch_up() == 1, "what every start-up runs"
    assert await found(runtime, "mangoes") == [ana_id]
    assert await indexer.catch_up() == 0, "nothing behind any more"


def test_terms_fold_case_and_accents_and_keep_punctuated_words_whole() -> None:
    assert t.words("José's Order A-1234!") >= {"jose", "order", "a-1234", "a", "1234"}
    assert t.query_terms("A-1234") == ["a-1234"]
    assert t.query_terms("+34 600-111-222") == ["34600111222"]
    assert "600111222" in t.phone_terms("+34600111222")
    assert t.facet("status", "Queued") == "=status:queued"


async def test_common_terms_are_walked_newest_first_and_agree_with_the_intersection(
    store: Store,
) -> None:
    intersecting = SearchIndex(store.redis, store.batcher, keys=store.keys, shards=2)
    walking = SearchIndex(store.redis, store.batcher, keys=store.keys, shards=2,
                          intersect_below=1)  # every set counts as common
    for n in range(30):
        words = {"refund", "parcel"} if n % 3 == 0 else {"refund"}
        await intersecting.file(f"c{n:02d}", from_version=None, to_version=1, at=1000.0 + n,
                                terms=words, facets={"status": ["bot"]})
    for terms in (["refund", "parcel"], ["=status:bot"], ["refund", "=status:bot"],
                  ["parcel", "nothing"]):
        for limit in (3, 50):
            expected = await intersecting.find(terms, limit=limit)
            assert await walking.find(terms, limit=limit) == expected, (terms, limit)
    newest = await walking.find(["refund", "parcel"], limit=3, since=1010, until=1025)
    assert [hit.customer_id for hit in newest] == ["c24", "c21", "c18"]


async def test_an_erased_customer_leaves_no_term_behind_even_one_waiting_to_be_filed(
    runtime: Runtime,
) -> None:
    assert runtime.records is not None and runtime.indexer is not None
    ana = Customer(runtime, channel(runtime, "telegram"), "7006", name="Ana Erased")
    await ana.says("my parcel never came")
    customer = await ana.customer_id()
    await runtime.pipeline.submit([Inbound(identity=ana.identity, message_id="last",
                                           text="one more word: kumquat")])
    await runtime.pipeline.turns.wait_idle()  # committed; its filing may still wait
    await runtime.records.erase(customer, actor="test")
    await runtime.settle()
    assert await found(runtime, "kumquat") == [] and await found(runtime, "parcel") == []
    redis = runtime.store.redis
    naming = [key async for key in redis.scan_iter(match="*{ix:*")
              if customer.encode() in key
              or (await redis.type(key) == b"set" and await redis.sismember(key, customer))]
    assert naming == []


async def unfiled_turn(runtime: Runtime, customer: Customer, text: str) -> None:
    """A turn committed by a process that died before filing it."""
    indexer = runtime.indexer
    assert indexer is not None
    runtime.pipeline.observers.remove(indexer)
    await customer.says(text)
    runtime.pipeline.observers.append(indexer)


@pytest.mark.skipif(CLUSTER, reason="counts one server's commands")
async def test_a_start_up_after_clean_stops_reads_no_session(runtime: Runtime) -> None:
    """Issue 22, target 4: every process start read every session (a SCAN and a version
    check of each) to catch up with filings lost in a crash. Only a process that did not
    sign off loses filings; the full catch-up is once an hour, by one process."""
    store = runtime.store
    async with store.redis.pipeline(transaction=False) as pipe:
        for i in range(1000):
            pipe.hset(store.keys.customer(f"idle-{i}").session, mapping={"v": 1, "m": "bot"})
        await pipe.execute()
    await store.redis.config_resetstat()
    stop = asyncio.Event()
    stop.set()  # start, flush once, stop, sign off
    indexer = SearchIndexer(store)
    await indexer.run(stop)  # another process took the hour's lease
    await indexer.close()
    calls = await commands_run(store.redis)
    assert "scan" not in calls and calls.get("hget", 0) < 10, calls  # was 2 SCANs, 2,000 HGETs


async def test_a_turn_a_dead_process_left_unfiled_is_caught_up_once_its_heartbeat_is_silent(
    runtime: Runtime,
) -> None:
    store = runtime.store
    ana = Customer(runtime, channel(runtime, "telegram"), "7006", name="Ana")
    await ana.says("first words")
    await unfiled_turn(runtime, ana, "a last word: papayas")  # and it never writes again
    dead = Attendance(store.redis, keys=store.keys, name=INDEXERS)
    await dead.present("the-dead-process")
    assert await found(runtime, "papayas") == []

    later = SearchIndexer(store)  # another process, started (or beating) meanwhile
    assert await later.keep_up() == 0, "its heartbeat is recent: it may yet file them"
    await store.redis.hset(store.keys.chore(INDEXERS), "the-dead-process", 1)  # silent
    assert await later.keep_up() == 1
    assert await found(runtime, "papayas") == [await ana.customer_id()]
    assert "the-dead-process" not in await dead.silent_since(time.time() + 1), "cleared"
    assert await later.keep_up() == 0, "nothing silent any more: no second catch-up"


async def test_a_runtime_that_stops_cleanly_signs_off_after_its_last_filing(
    make_settings: Any, redis: Any,
) -> None:
    """Else every clean stop would look like a crash: a catch-up of every session."""
    settings = make_settings()
    await repairs_done_elsewhere(redis, settings)
    async with Runtime(settings, connectors=[CollectingConnector(channel="telegram")],
                       serve_http=False) as rt:
        await rt.pipeline.submit([Inbound(identity=Identity(channel="telegram", user_id="9"),
                                          message_id="m1", text="kiwis please")])
        await rt.settle()
        attendance = Attendance(redis, keys=rt.store.keys, name=INDEXERS)
        assert len(await attendance.silent_since(time.time() + 1)) == 1, "it keeps a heartbeat"
    assert await attendance.silent_since(time.time() + 1) == [], "signed off"
