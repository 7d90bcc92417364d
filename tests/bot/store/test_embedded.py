from __future__ import annotations

import stat
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError

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


async def test_the_embedded_server_refuses_clients_without_its_password(
    tmp_path: Path,
) -> None:
    # Finding 15.16: any local process could connect and, say, forge an operator session.
    async with EmbeddedServer(data_dir=tmp_path) as server:
        anonymous = Redis(host=server.host, port=server.port)
        with pytest.raises(AuthenticationError):
            await anonymous.set("omni:op:session:forged", "supervisor")
        await anonymous.aclose()
        client = Redis.from_url(server.url)
        assert await client.ping()
        await client.aclose()
        password = server.password
        assert stat.S_IMODE((tmp_path / "password").stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "valkey.conf").stat().st_mode) == 0o600
        assert server._process is not None
        assert password.encode() not in _cmdline(server._process.pid), "ps must not show it"
    async with EmbeddedServer(data_dir=tmp_path) as again:
        assert again.password == password, "reused across restarts"
        client = Redis.from_url(again.url)
        assert await client.ping()
        await client.aclose()


def _cmdline(pid: int) -> bytes:
    """A process's arguments, as ``ps`` shows them to every local user."""
    return Path(f"/proc/{pid}/cmdline").read_bytes()
