"""Sending the commands of concurrent turns together.

redis-py spends tens of microseconds of CPU per command on its asyncio machinery
(acquire a connection, write, wait, parse, release). Commands issued by different
turns in the same event-loop tick are queued here and sent as one pipeline, so that
cost is paid once per batch instead of once per command: the biggest single gain on the
hot path (measured in bench/). Each command still gets its own result or error; a
failure of the whole batch (the connection broke) fails each of its commands.
"""

from __future__ import annotations

import asyncio
from typing import Any

import hiredis
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.tasks import TaskTracker


class CommandBatcher:
    def __init__(self, redis: Redis, *, max_batch: int = 1024) -> None:
        self.redis = redis
        self.max_batch = max_batch
        self._queue: list[tuple[tuple[Any, ...], asyncio.Future[Any]]] = []
        self._scheduled = False
        self._flights = TaskTracker("redis-batches")
        #: On Redis Cluster, commands go one by one through the cluster client (which
        #: knows the slots); batching on one connection applies to a single server.
        self.cluster = not hasattr(redis, "connection_pool")

    async def execute(self, *command: Any) -> Any:
        """Run one command, sent with the others issued in this tick."""
        if self.cluster:
            # A cluster client routes each command to the node owning its keys' slot.
            return await self.redis.execute_command(*command)  # type: ignore[no-untyped-call]
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((command, future))
        if len(self._queue) >= self.max_batch:
            self._flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._queue = self._queue, []
        if batch:
            self._flights.spawn(self._send(batch), name="redis-batch")

    async def _send(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[Any]]]) -> None:
        """Write the whole batch on one connection, packed by hiredis in C (redis-py's
        asyncio client packs every argument in Python: the largest remaining cost), then
        read the replies back in order. Answers are raw (no redis-py response callbacks)."""
        pool = self.redis.connection_pool
        try:
            # Inside the try: when the store is unreachable, taking a connection fails too,
            # and every waiting command must hear so (or its turn would wait forever).
            connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        try:
            await connection.send_packed_command(
                b"".join(hiredis.pack_command(command) for command, _ in batch),
                check_health=False)
            for _, future in batch:
                try:
                    result: Any = await connection.read_response()
                except ResponseError as error:  # this command failed; the others go on
                    result = error
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        except BaseException as exc:
            # The connection is in an unknown state: drop it; every unanswered command fails.
            await connection.disconnect()
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            await pool.release(connection)

    async def close(self) -> None:
        self._flush()
        await self._flights.drain(5)
