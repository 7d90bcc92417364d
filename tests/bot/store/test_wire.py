"""The pipelined connection's log-in and failure paths: a real server where one is
needed, tiny loopback servers for the misbehaviours a real one will not perform on cue."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.store.batching import CommandBatcher
from bot.store.embedded import free_port
from bot.store.wire import Endpoint, WireConnection
from tests.servers import CLUSTER


@asynccontextmanager
async def loopback_server(handler: Callable[..., object]) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)  # type: ignore[arg-type]
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


@pytest.mark.skipif(CLUSTER, reason="a cluster node has only database 0")
async def test_logs_in_with_a_user_and_password_and_selects_the_database(
    redis: Redis, redis_url: str
) -> None:
    await redis.execute_command("ACL", "SETUSER", "wire-tester", "on", ">s3cret", "~*", "+@all")
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    client = Redis.from_url(f"redis://wire-tester:s3cret@127.0.0.1:{port}/3")
    batcher = CommandBatcher(client)
    try:
        assert await batcher.execute("SET", "where", "db3") in (b"OK", "OK")
        assert await batcher.execute("ACL", "WHOAMI") == b"wire-tester"
        assert await Redis.from_url(f"{redis_url.rsplit('/', 1)[0]}/3").get("where") == b"db3"
        assert await redis.get("where") is None
        with pytest.raises(AuthenticationError):
            await WireConnection.open(Endpoint(port=int(port), username="wire-tester",
                                               password="wrong"))
    finally:
        await batcher.close()
        await client.aclose()
        await redis.execute_command("ACL", "DELUSER", "wire-tester")


async def test_an_unreachable_store_fails_each_command_and_a_later_one_connects() -> None:
    port = free_port()
    batcher = CommandBatcher(Redis(port=port))
    results = await asyncio.gather(batcher.execute("PING"), batcher.execute("PING"),
                                   return_exceptions=True)
    assert all(isinstance(r, RedisConnectionError) for r in results)

    async def pong(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readline():  # inline commands: one PING per line
            writer.write(b"+PONG\r\n")

    server = await asyncio.start_server(pong, "127.0.0.1", port)
    try:
        assert await batcher.execute("PING") == b"PONG"
    finally:
        server.close()
        await batcher.close()


async def test_a_dropped_connection_fails_the_waiting_commands_only() -> None:
    connections = 0

    async def drop_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        if connections == 1:
            await reader.read(1)
            writer.close()  # the store went away mid-batch
            return
        while True:
            data = await reader.read(65536)
            if not data:
                return
            writer.write(b"+PONG\r\n" * data.count(b"PING"))

    async with loopback_server(drop_first) as port:
        batcher = CommandBatcher(Redis(port=port))
        first = await asyncio.gather(*(batcher.execute("PING") for _ in range(3)),
                                     return_exceptions=True)
        assert all(isinstance(r, RedisConnectionError) for r in first)
        assert await asyncio.gather(*(batcher.execute("PING") for _ in range(3))) == [
            b"PONG"] * 3
        await batcher.close()


async def test_a_store_that_stops_answering_is_given_up_on() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(65536):
            pass  # reads everything, answers nothing

    async with loopback_server(silent) as port:
        connection = await WireConnection.open(Endpoint(port=port, reply_timeout=0.3))
        started = asyncio.get_running_loop().time()
        with pytest.raises(RedisTimeoutError, match="answered nothing"):
            await asyncio.wait_for(connection.execute("PING"), 5)
        assert asyncio.get_running_loop().time() - started < 2
        assert not connection.usable


async def test_error_replies_keep_redis_py_exception_types(redis: Redis) -> None:
    from redis.exceptions import NoScriptError, ResponseError

    batcher = CommandBatcher(redis)
    try:
        with pytest.raises(NoScriptError):
            await batcher.execute("EVALSHA", "0" * 40, 1, "{k}:x")
        await batcher.execute("SET", "{k}:s", "text")
        with pytest.raises(ResponseError, match="not an integer"):
            await batcher.execute("INCR", "{k}:s")
    finally:
        await batcher.close()
