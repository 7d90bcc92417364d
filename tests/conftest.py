"""Shared fixtures: one real Valkey server per test session (the embedded binary),
flushed before each test; settings and runtimes built inside each test."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.config import parse_settings
from bot.config.settings import Settings
from bot.store.embedded import free_port, server_binary
from bot.store.store import Store


def _wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"valkey did not answer on port {port}")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis-compatible server for the whole session (or OMNICANAL_TEST_REDIS_URL)."""
    external = os.environ.get("OMNICANAL_TEST_REDIS_URL")
    if external:
        yield external
        return
    data = tmp_path_factory.mktemp("valkey")
    port = free_port()
    process = subprocess.Popen(
        [server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--appendonly", "yes", "--save", "", "--daemonize", "no",
         "--logfile", str(data / "valkey.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis: Redis) -> Store:
    return Store(redis, lease_seconds=5)


@pytest.fixture
def make_settings(redis_url: str, redis: Redis, tmp_path: Path) -> Any:
    """Build Settings on the test server (flushed first, through ``redis``); keyword
    arguments override sections."""

    def build(**sections: Any) -> Settings:
        raw: dict[str, Any] = {
            "store": {"url": redis_url, "data_dir": str(tmp_path / "data")},
            "server": {"port": 0},
            "connectors": {"webchat": {"enabled": True}},
        }
        for key, value in sections.items():
            raw[key] = {**raw.get(key, {}), **value} if isinstance(value, dict) else value
        return parse_settings(raw, env={})

    return build
