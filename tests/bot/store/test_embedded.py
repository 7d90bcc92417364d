from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.errors import StoreError
from bot.store.embedded import EmbeddedServer


async def test_data_survives_a_restart_through_the_append_only_file(tmp_path: Path) -> None:
    async with EmbeddedServer(data_dir=tmp_path, appendfsync="always") as server:
        client = Redis.from_url(server.url)
        await client.set("kept", "yes")
        await client.aclose()
    assert any((tmp_path / "appendonlydir").iterdir())
    async with EmbeddedServer(data_dir=tmp_path) as server:
        client = Redis.from_url(server.url)
        assert await client.get("kept") == b"yes"
        await client.aclose()


async def test_two_servers_cannot_share_a_data_directory(tmp_path: Path) -> None:
    async with EmbeddedServer(data_dir=tmp_path):
        with pytest.raises(StoreError, match="another Omnicanal process"):
            await EmbeddedServer(data_dir=tmp_path).start()


async def test_the_server_stops_on_close(tmp_path: Path) -> None:
    server = EmbeddedServer(data_dir=tmp_path)
    await server.start()
    client = Redis.from_url(server.url)
    assert await client.ping()
    await server.close()
    with pytest.raises(Exception):  # noqa: B017 - any connection error will do
        await client.ping()
    await client.aclose()
