"""Sending the commands of concurrent turns together.

redis-py spends tens of microseconds of CPU per command on its asyncio machinery
(acquire a connection, write, wait, parse, release). Commands issued by different
turns in the same event-loop tick are queued here and written as one batch on a
pipelined connection (``wire.py``), so that cost is paid once per batch instead of once
per command: the biggest single gain on the hot path (measured in bench/). Each command
still gets its own result or error; a broken connection fails each unanswered command.

On a Redis Cluster there is one lane per master: a command goes to the lane of the node
that owns its first key's slot (every key of a command shares one hash tag, see
``keys.py``). A command answered MOVED/ASK/TRYAGAIN/CLUSTERDOWN (slots moving, a
failover) is sent again through the cluster client, which follows the redirect and
refreshes its slot map, so the next command for that slot goes to the right lane.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import AskError, ClusterDownError, TryAgainError

from bot.store.wire import Endpoint, WireConnection
from bot.tasks import TaskTracker

#: Answers that mean "ask the cluster where this slot lives now", not a failed command.
_REDIRECTS = (AskError, TryAgainError, ClusterDownError)  # MovedError is an AskError


class _Lane:
    """One server: its connection and the commands queued for it during this tick."""

    __slots__ = ("connecting", "connection", "endpoint", "futures", "queue", "scheduled")

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.connection: WireConnection | None = None
        self.connecting: asyncio.Task[WireConnection] | None = None
        self.queue: list[tuple[Any, ...]] = []
        self.futures: list[asyncio.Future[Any]] = []
        self.scheduled = False


class CommandBatcher:
    def __init__(self, redis: Redis, *, max_batch: int = 1024) -> None:
        self.redis = redis
        self.max_batch = max_batch
        #: Batches written: the round trips of the hot path (read by the benchmark).
        self.round_trips = 0
        self._flights = TaskTracker("redis-batches")
        #: A cluster client routes by slot; a single server has one lane for everything.
        self.cluster = isinstance(redis, RedisCluster)
        self._single = None if self.cluster else _Lane(Endpoint.from_settings(
            redis.connection_pool.connection_kwargs,
            connection_class=redis.connection_pool.connection_class))
        self._nodes: dict[str, _Lane] = {}

    def execute(self, *command: Any) -> Awaitable[Any]:
        """Run one command, written with the others issued in this tick for its server.
        On a single server the answer is a future (awaiting it directly saves a coroutine
        per command on the hot path); on a cluster, a coroutine that routes and follows
        redirects."""
        single = self._single
        if single is None:
            return self._execute_routed(command)
        return self._queue(single, command)

    def _queue(self, lane: _Lane, command: tuple[Any, ...]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        lane.queue.append(command)
        lane.futures.append(future)
        if len(lane.queue) >= self.max_batch:
            self._flush(lane)
        elif not lane.scheduled:
            lane.scheduled = True
            asyncio.get_running_loop().call_soon(self._flush, lane)
        return future

    async def _execute_routed(self, command: tuple[Any, ...]) -> Any:
        try:
            return await self._queue(await self._node_lane(command), command)
        except _REDIRECTS:
            return await self.redis.execute_command(*command)  # type: ignore[no-untyped-call]

    async def _node_lane(self, command: tuple[Any, ...]) -> _Lane:
        cluster: RedisCluster = self.redis  # type: ignore[assignment]
        await cluster.initialize()  # a no-op once the slot map is known
        key = command[3] if command[0] == "EVALSHA" and int(command[2]) else command[1]
        node = cluster.nodes_manager.get_node_from_slot(cluster.keyslot(key))
        lane = self._nodes.get(node.name)
        if lane is None:
            endpoint = Endpoint.from_settings(cluster.get_connection_kwargs(),
                                              host=node.host, port=node.port)
            lane = self._nodes[node.name] = _Lane(endpoint)
        return lane

    def _flush(self, lane: _Lane) -> None:
        lane.scheduled = False
        if not lane.queue:
            return
        commands, futures = lane.queue, lane.futures
        lane.queue, lane.futures = [], []
        connection = lane.connection
        if connection is not None and connection.usable:
            self.round_trips += 1
            connection.send(commands, futures)
        else:
            self._flights.spawn(self._connect_and_send(lane, commands, futures),
                                name="redis-connect")

    async def _connect_and_send(self, lane: _Lane, commands: list[tuple[Any, ...]],
                                futures: list[asyncio.Future[Any]]) -> None:
        """Open the lane's connection (one attempt shared by every batch waiting for it),
        then write. When the store is unreachable every waiting command hears so."""
        idle = lane.connecting is None or lane.connecting.done()
        if idle and (lane.connection is None or not lane.connection.usable):
            lane.connecting = asyncio.ensure_future(WireConnection.open(lane.endpoint))
        try:
            if lane.connecting is not None:
                lane.connection = await asyncio.shield(lane.connecting)
        except Exception as exc:
            lane.connection = None
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            return
        assert lane.connection is not None
        self.round_trips += 1
        lane.connection.send(commands, futures)

    async def close(self) -> None:
        lanes = [*([self._single] if self._single else []), *self._nodes.values()]
        for lane in lanes:
            self._flush(lane)
        await self._flights.drain(5)
        for lane in lanes:
            if lane.connection is not None:
                await lane.connection.drain(5)
                lane.connection.close()
