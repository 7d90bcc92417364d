"""Shared fixtures: one real Valkey server per test session (the embedded binary),
flushed before each test; settings and runtimes built inside each test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.config import parse_settings
from bot.config.settings import Settings
from bot.store.client import connect
from bot.store.embedded import free_port
from bot.store.store import Store
from tests.servers import CLUSTER, start_cluster, start_valkey

#: The ``flows:`` section of every test configuration unless a test names its own.
TEST_FLOWS = {"modules": ["tests.flows_for_tests"], "locales": ["en", "es"]}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the cluster pass (OMNICANAL_TEST_CLUSTER=1), run only the tests that use the
    session's store (``redis_url``, directly or through ``redis``, ``store``,
    ``make_settings``...): any other test starts no store or one of its own whatever the
    pass, so running it again would test the same thing twice (a minute and a half of CI)."""
    if not CLUSTER:
        return
    same_twice = [item for item in items if "redis_url" not in getattr(item, "fixturenames", ())]
    if same_twice:
        config.hook.pytest_deselected(items=same_twice)
        items[:] = [item for item in items if "redis_url" in getattr(item, "fixturenames", ())]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis-compatible server for the whole session (or OMNICANAL_TEST_REDIS_URL)."""
    external = os.environ.get("OMNICANAL_TEST_REDIS_URL")
    if external:
        yield external
        return
    if CLUSTER:
        ports = [free_port() for _ in range(3)]
        nodes = start_cluster(tmp_path_factory.mktemp("cluster"), ports)
        try:
            yield f"redis://127.0.0.1:{ports[0]}/0"
        finally:
            for node in nodes:
                node.terminate()
                node.wait(timeout=10)
        return
    port = free_port()
    process = start_valkey(tmp_path_factory.mktemp("valkey"), port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = connect(redis_url, cluster=CLUSTER)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis: Redis) -> Store:
    return Store(redis, lease_seconds=5)


@pytest.fixture
def make_settings(redis_url: str, redis: Redis, tmp_path: Path) -> Any:
    """Build Settings on the test server (flushed first, through ``redis``) running the
    framework's test flows (``tests/flows_for_tests``, never the demo); keyword arguments
    override sections."""

    def build(**sections: Any) -> Settings:
        raw: dict[str, Any] = {
            "store": {"url": redis_url, "data_dir": str(tmp_path / "data"), "cluster": CLUSTER},
            "server": {"port": 0},
            "flows": dict(TEST_FLOWS),
            "connectors": {"webchat": {"enabled": True}},
        }
        for key, value in sections.items():
            raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
        return parse_settings(raw, env={})

    return build
