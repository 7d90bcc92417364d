"""The store's Redis client: one server (a blocking pool) or a Redis Cluster."""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster

#: Connections the cluster client may open per node before it raises MaxConnectionsError.
_CLUSTER_NODE_CONNECTIONS = 1024


def connect(url: str, *, cluster: bool = False, max_connections: int = 64) -> Redis:
    """A client for the store: a blocking pool (bursts wait for a connection rather than
    fail), or a cluster client when the URL names a node of a Redis Cluster."""
    if cluster:
        # RedisCluster offers the same command API: the store uses it unchanged. Its
        # per-node pools raise rather than wait when full, so they get room for bursts
        # (connections open lazily); the hot path batches on connections of its own, one
        # per master (batching.py).
        return cast(Redis, RedisCluster.from_url(
            url, max_connections=max(max_connections, _CLUSTER_NODE_CONNECTIONS)))
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, timeout=10,
                                           socket_connect_timeout=5, socket_keepalive=True)
    return Redis(connection_pool=pool)


async def pubsub(redis: Redis) -> PubSub:
    """A pub/sub connection. A cluster client must know the slot map first (its pub/sub
    picks a node by the channel's slot); on a cluster a PUBLISH reaches every node."""
    if isinstance(redis, RedisCluster):
        await redis.initialize()
    return cast(Any, redis).pubsub()  # type: ignore[no-any-return]
