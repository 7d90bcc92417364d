"""Client-side round-trip counting: one round trip is one write of packed commands (a
single command, or a whole pipeline/transaction) followed by waiting for its replies.
Commands through redis-py are counted here; the store's batcher counts its own writes
(``CommandBatcher.round_trips``)."""

from __future__ import annotations

from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import Connection


class Counter:
    round_trips = 0


class CountingConnection(Connection):
    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        Counter.round_trips += 1
        await super().send_packed_command(command, check_health)


def counting_client(url: str, *, max_connections: int = 256) -> Redis:
    pool = ConnectionPool.from_url(url, connection_class=CountingConnection,
                                   max_connections=max_connections)
    return Redis(connection_pool=pool)
