"""The command batcher against the real server (or the local cluster on cluster runs)."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError

from bot.store.batching import CommandBatcher
from tests.servers import CLUSTER


async def test_concurrent_commands_each_get_their_own_answer(redis: Redis) -> None:
    batcher = CommandBatcher(redis)
    try:
        # Keys in many slots (on a cluster: every master), 500 at once.
        await asyncio.gather(*(batcher.execute("SET", f"k{n}", n) for n in range(500)))
        got = await asyncio.gather(*(batcher.execute("GET", f"k{n}") for n in range(500)))
        assert got == [str(n).encode() for n in range(500)]
        await batcher.execute("SET", "text", "x")
        with pytest.raises(ResponseError):  # one failing command fails alone
            await asyncio.gather(batcher.execute("INCR", "text"), batcher.execute("GET", "k1"))
        assert await batcher.execute("GET", "k1") == b"1"
    finally:
        await batcher.close()


@pytest.mark.skipif(not CLUSTER, reason="needs the local Redis Cluster")
async def test_a_stale_slot_map_is_followed_and_repaired(redis: Redis) -> None:
    """As after a resharding or failover: the batcher's idea of the slot's node is wrong,
    the node answers MOVED, the command is resent through the cluster client and lands."""
    cluster: RedisCluster = redis  # type: ignore[assignment]
    await cluster.set("{moved}:k", "v")
    slot = cluster.keyslot("{moved}:k")
    owner = cluster.nodes_manager.slots_cache[slot][0]
    other = next(n for n in cluster.get_primaries() if n.name != owner.name)
    cluster.nodes_manager.slots_cache[slot] = [other]
    batcher = CommandBatcher(redis)
    try:
        assert await batcher.execute("GET", "{moved}:k") == b"v"
        assert cluster.nodes_manager.slots_cache[slot][0].name == owner.name
    finally:
        await batcher.close()
