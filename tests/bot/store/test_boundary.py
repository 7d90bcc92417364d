"""The store boundary: only ``bot/store/`` speaks Redis, store code imports nothing above
it, the session hash's fields are named once for Python and Lua, and every public method
of the store's classes raises ``StoreError`` (never the client's errors) when the store
cannot be reached."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.messages import Identity
from bot.model import Event
from bot.store.analytics import AnalyticsCounters
from bot.store.boundary import boundary
from bot.store.catalogue import CatalogueStore
from bot.store.connector_state import RedisConnectorState
from bot.store.embedded import free_port
from bot.store.handoff import HandoffQueue
from bot.store.keys import SessionFields
from bot.store.links import LinkStore
from bot.store.operators import OperatorSessions
from bot.store.outbox import Outbox
from bot.store.store import Store
from bot.store.work import WorkStream

ROOT = Path(__file__).resolve().parents[3]
#: What the store may import from ``bot``: the foundation below it, nothing above.
FOUNDATION = {"bot.errors", "bot.history", "bot.messages", "bot.model", "bot.tasks"}
STORE_CLASSES = [Store, Outbox, LinkStore, HandoffQueue, WorkStream, OperatorSessions,
                 AnalyticsCounters, RedisConnectorState, CatalogueStore]
ANA = Identity(channel="webchat", user_id="ana")


def imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports (``from x import y`` counts as x), parsed, not run."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


def sources(*packages: str) -> Iterator[Path]:
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_only_the_store_imports_redis() -> None:
    store = ROOT / "bot" / "store"
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources("bot", "connectors", "flows") if store not in path.parents
        for name in imports(path) if name == "redis" or name.startswith("redis."))
    assert offenders == []


def test_the_store_imports_nothing_above_it() -> None:
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in sources("bot/store") for name in imports(path)
        if name.startswith("bot.") and not name.startswith("bot.store")
        and name not in FOUNDATION)
    assert offenders == []


def test_the_pipeline_imports_no_feature_nor_the_scale_layer() -> None:
    """The core path composes stages; features plug into it, not the other way round."""
    features = ("bot.handoff", "bot.linking", "bot.scale", "bot.operator", "bot.analytics",
                "bot.runtime")
    found = [name for name in imports(ROOT / "bot" / "pipeline.py")
             if name.startswith(features)]
    assert found == []


#: A hash command on a literal field: redis.call('HGET', key, 'v', ...).
_HASH_CALL = re.compile(r"redis\.call\('(HGET|HMGET|HSET|HSETNX|HDEL|HEXISTS)',([^)]*)\)")
_LITERAL = re.compile(r"'([^']*)'")


#: How each script names the session hash (``Store`` passes ``ck.session`` there).
SESSION_KEY = {"claim.lua": "KEYS[2]", "commit.lua": "KEYS[2]", "ingest.lua": "KEYS[5]",
               "_next.lua": "session"}


def test_lua_scripts_use_exactly_the_session_fields() -> None:
    """Every literal field the scripts read or write on the session hash is one of
    ``SessionFields``, and together they use them all."""
    used: set[str] = set()
    for script in sorted((ROOT / "bot" / "store" / "lua").glob("*.lua")):
        for command, args in _HASH_CALL.findall(script.read_text(encoding="utf-8")):
            key, *parts = [a.strip() for a in args.split(",")]
            if key != SESSION_KEY.get(script.name):
                continue
            # HSET takes field, value pairs: only every other argument is a field.
            fields = parts[::2] if command in ("HSET", "HSETNX") else parts
            for field in fields:
                literal = _LITERAL.fullmatch(field)
                assert literal, (script.name, field)  # session fields are spelled out
                assert literal.group(1) in SessionFields.ALL, (script.name, field)
                used.add(literal.group(1))
    assert used == set(SessionFields.ALL)


def test_every_public_coroutine_of_the_store_classes_is_translated() -> None:
    # Each class a store class inherits from too (``Store`` has ``IdentityStore``'s methods).
    classes = {base for cls in STORE_CLASSES for base in cls.__mro__ if base is not object}
    for cls in classes:
        assert vars(cls).get("__store_boundary__", False), cls
        for name, member in vars(cls).items():
            if name.startswith("_"):
                continue
            if inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member):
                assert getattr(member, "__translates__", False), f"{cls.__name__}.{name}"


def test_the_boundary_translates_client_errors_and_nothing_else() -> None:
    @boundary
    class Probe:
        async def refused(self) -> None:
            raise ConnectionRefusedError("connection refused")

        async def wrong(self) -> None:
            raise ValueError("a bug, not the store")

    with pytest.raises(StoreError, match="could not refused"):
        Probe().refused().send(None)
    with pytest.raises(ValueError):
        Probe().wrong().send(None)


@pytest.fixture
async def unreachable() -> AsyncIterator[Store]:
    """A store whose server is not there (nothing listens on the port)."""
    store = Store.connect(f"redis://127.0.0.1:{free_port()}/0", lease_seconds=5)
    yield store
    await store.close()


async def test_an_unreachable_store_raises_store_error_from_every_class(
    unreachable: Store,
) -> None:
    store = unreachable
    calls = [
        store.resolve(ANA), store.load("c1"), store.history("c1"),
        store.mark_unreachable("c1", ANA, "blocked"), store.unreachable_identities("c1"),
        store.append_events("c1", [Event(kind="note", text="n")]), store.identities("c1"),
        store.assign_identity(ANA, "c2"), store.outbox.pending("c1"), store.outbox.next("c1"),
        store.handoff_queue().online(), store.handoff_queue().add("c1", requested_at=1.0),
        store.link_store(secret=b"k" * 32).peek("hash"), store.operator_sessions().read("sid"),
        store.work_stream().read("me", count=1, block_ms=1),
        store.analytics_counters().days(["2026-01-01"]),
        store.connector_state("webchat").get("k"),
        CatalogueStore(store.redis, keys=store.keys).version(),
        CatalogueStore(store.redis, keys=store.keys).publish("{}", source="test"),
    ]
    for call in calls:
        with pytest.raises(StoreError):
            await call
    with pytest.raises(StoreError):
        async for _ in store.customers_matching(store.keys.inbox_pattern):
            pass
    assert await store.ping() is False
