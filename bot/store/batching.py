"""Sending the commands of concurrent turns together.

redis-py spends tens of microseconds of CPU per command on its asyncio machinery
(acquire a connection, write, wait, parse, release). Commands issued by different
turns in the same event-loop tick are queued here and sent as one pipeline, so that
cost is paid once per batch instead of once per command: the biggest single gain on the
hot path (measured in bench/). Each command still gets its own result or error; a
failure of the whole batch (the connection broke) fails each of its commands.

On a Redis Cluster there is one lane per master: a command goes to the lane of the node
that owns its first key's slot (every key of a command shares one hash tag, see
``keys.py``), each lane batches on its own blocking pool, so a burst waits for a
connection instead of failing (redis-py's cluster client raises when a node's pool is
full). A command answered MOVED/ASK/TRYAGAIN/CLUSTERDOWN (slots moving, a failover) is
sent again through the cluster client, which follows the redirect and refreshes its map.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import hiredis
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import AskError, ClusterDownError, ResponseError, TryAgainError

from bot.tasks import TaskTracker

#: Answers that mean "ask the cluster where this slot lives now", not a failed command.
_REDIRECTS = (AskError, TryAgainError, ClusterDownError)  # MovedError is an AskError

#: What a per-node pool copies from the cluster client's connection settings.
_NODE_SETTINGS = ("username", "password", "credential_provider", "client_name",
                  "socket_connect_timeout", "socket_timeout", "socket_keepalive",
                  "connection_class")

_Queued = tuple[tuple[Any, ...], "asyncio.Future[Any]"]


class _Lane:
    """The commands queued for one server during this tick, and the pool they go out on."""

    __slots__ = ("pool", "queue", "scheduled")

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.queue: list[_Queued] = []
        self.scheduled = False


class CommandBatcher:
    def __init__(self, redis: Redis, *, max_batch: int = 1024, node_connections: int = 64
                 ) -> None:
        self.redis = redis
        self.max_batch = max_batch
        self.node_connections = node_connections
        self._flights = TaskTracker("redis-batches")
        #: A cluster client routes by slot; a single server has one lane for everything.
        self.cluster = isinstance(redis, RedisCluster)
        self._single = None if self.cluster else _Lane(redis.connection_pool)
        self._nodes: dict[str, _Lane] = {}

    async def execute(self, *command: Any) -> Any:
        """Run one command, sent with the others issued in this tick for the same server."""
        lane = self._single or await self._node_lane(command)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        lane.queue.append((command, future))
        if len(lane.queue) >= self.max_batch:
            self._flush(lane)
        elif not lane.scheduled:
            lane.scheduled = True
            asyncio.get_running_loop().call_soon(self._flush, lane)
        return await future

    async def _node_lane(self, command: tuple[Any, ...]) -> _Lane:
        cluster: RedisCluster = self.redis  # type: ignore[assignment]
        await cluster.initialize()  # a no-op once the slot map is known
        key = command[3] if command[0] == "EVALSHA" and int(command[2]) else command[1]
        node = cluster.nodes_manager.get_node_from_slot(cluster.keyslot(key))
        lane = self._nodes.get(node.name)
        if lane is None:
            settings: dict[str, Any] = cluster.get_connection_kwargs()
            copied = {name: settings[name] for name in _NODE_SETTINGS if name in settings}
            pool = BlockingConnectionPool(host=node.host, port=node.port, timeout=10,
                                          max_connections=self.node_connections, **copied)
            lane = self._nodes[node.name] = _Lane(pool)
        return lane

    def _flush(self, lane: _Lane) -> None:
        lane.scheduled = False
        batch, lane.queue = lane.queue, []
        if batch:
            self._flights.spawn(self._send(lane.pool, batch), name="redis-batch")

    async def _send(self, pool: Any, batch: list[_Queued]) -> None:
        """Write the whole batch on one connection, packed by hiredis in C (redis-py's
        asyncio client packs every argument in Python: the largest remaining cost), then
        read the replies back in order. Answers are raw (no redis-py response callbacks)."""
        try:
            # Inside the try: when the store is unreachable, taking a connection fails too,
            # and every waiting command must hear so (or its turn would wait forever).
            connection = await pool.get_connection()
        except BaseException as exc:
            _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise
            return
        try:
            await connection.send_packed_command(
                b"".join(hiredis.pack_command(command) for command, _ in batch),
                check_health=False)
            for command, future in batch:
                try:
                    result: Any = await connection.read_response()
                except ResponseError as error:  # this command failed; the others go on
                    result = error
                if future.done():
                    continue
                if self.cluster and isinstance(result, _REDIRECTS):
                    self._flights.spawn(self._redirected(command, future), name="redirect")
                elif isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        except BaseException as exc:
            # The connection is in an unknown state: drop it; every unanswered command fails.
            await connection.disconnect()
            _fail(batch, exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            await pool.release(connection)

    async def _redirected(self, command: tuple[Any, ...], future: asyncio.Future[Any]) -> None:
        """Send again through the cluster client: it follows MOVED/ASK and refreshes the
        slot map, so the next command for this slot goes to the right lane."""
        await _settle(future, lambda: self.redis.execute_command(*command))  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        for lane in [*([self._single] if self._single else []), *self._nodes.values()]:
            self._flush(lane)
        await self._flights.drain(5)
        for lane in self._nodes.values():
            await lane.pool.disconnect()


def _fail(batch: list[_Queued], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


async def _settle(future: asyncio.Future[Any], call: Callable[[], Any]) -> None:
    try:
        result = await call()
    except Exception as exc:  # handed to the waiting command
        if not future.done():
            future.set_exception(exc)
        return
    if not future.done():
        future.set_result(result)
