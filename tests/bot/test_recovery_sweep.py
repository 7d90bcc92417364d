"""The periodic recovery sweep (a SCAN of every inbox and outbox) is done by one process
of the fleet per interval, not by each: its cost grows with the customers kept."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.scale.recovery import CHORE, recover_periodically
from bot.store.chores import ChoreLeases
from bot.store.keys import Keys
from tests.bot.store.test_server_work import commands_run
from tests.servers import CLUSTER
from tests.waiting import eventually

INTERVAL = 0.05


@pytest.mark.skipif(CLUSTER, reason="counts the server's SET calls, one node's stats")
async def test_a_process_sweeps_only_once_no_other_holds_the_sweeps_lease(
        redis: Redis) -> None:
    keys = Keys("omni")
    sweeps: list[int] = []

    async def recover() -> int:
        sweeps.append(1)
        return 0

    # Another process swept a moment ago: its lease holds.
    await redis.set(keys.chore(CHORE), "other", px=60_000)
    stopping = asyncio.Event()
    before = (await commands_run(redis)).get("set", 0)
    loop = asyncio.create_task(recover_periodically(
        recover, ChoreLeases(redis, keys=keys), interval=INTERVAL, stopping=stopping))
    try:
        async def woke_thrice() -> bool:
            return (await commands_run(redis)).get("set", 0) - before >= 3
        await eventually(woke_thrice)
        assert sweeps == []  # woke, tried the lease, left the sweep to its holder

        await redis.delete(keys.chore(CHORE))  # the holder died: its lease lapsed
        async def swept() -> bool:
            return bool(sweeps)
        await eventually(swept)
        assert await redis.get(keys.chore(CHORE)) is not None  # now it holds the lease
    finally:
        stopping.set()
        await loop
