"""The store's Redis client: one server (a blocking pool) or a Redis Cluster."""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster

#: Connections the cluster client may open per node before it raises MaxConnectionsError.
_CLUSTER_NODE_CONNECTIONS = 1024


def connect(url: str, *, cluster: bool = False, max_connections: int = 64,
            timeout_seconds: float = 5.0) -> Redis:
    """A client for the store: a blocking pool (bursts wait for a connection rather than
    fail), or a cluster client when the URL names a node of a Redis Cluster.

    ``timeout_seconds`` bounds each wait for an answer (the batcher's connections take it
    too): a hung server (paused, swapping, a network black hole) then fails commands with
    ``StoreError`` and a webhook answers 503, where it used to wait half a minute. Pub/sub
    listening is not bounded by it (redis-py blocks on purpose there), and the blocking
    stream reads ask for much less. A user and password in the URL
    (``redis://user:pass@host``) log in with an ACL user or ``requirepass``."""
    if cluster:
        # RedisCluster offers the same command API: the store uses it unchanged. Its
        # per-node pools raise rather than wait when full, so they get room for bursts
        # (connections open lazily); the hot path batches on connections of its own, one
        # per master (batching.py).
        return cast(Redis, RedisCluster.from_url(
            url, max_connections=max(max_connections, _CLUSTER_NODE_CONNECTIONS),
            socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds))
    pool = BlockingConnectionPool.from_url(url, max_connections=max_connections,
                                           timeout=max(timeout_seconds, 1.0) * 2,
                                           socket_connect_timeout=timeout_seconds,
                                           socket_timeout=timeout_seconds,
                                           socket_keepalive=True)
    return Redis(connection_pool=pool)


async def pubsub(redis: Redis) -> PubSub:
    """A pub/sub connection. A cluster client must know the slot map first (its pub/sub
    picks a node by the channel's slot); on a cluster a PUBLISH reaches every node."""
    if isinstance(redis, RedisCluster):
        await redis.initialize()
    return cast(Any, redis).pubsub()  # type: ignore[no-any-return]
