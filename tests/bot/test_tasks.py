"""Work handed to ``TaskTracker.run`` goes to a parked task when one waits: the turn of
each message reuses a task instead of creating one, and the tracker still counts, logs and
drains that work as it does its spawned tasks."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.tasks import TaskTracker
from tests.waiting import eventually


async def test_run_reuses_a_parked_task_and_counts_only_the_work_in_flight() -> None:
    tracker = TaskTracker("turns", parked=2)
    hosts: list[asyncio.Task[object] | None] = []
    release = asyncio.Event()

    async def job() -> None:
        hosts.append(asyncio.current_task())
        await release.wait()

    tracker.run(job())
    assert len(tracker) == 1, "the handed-over work is in flight"
    release.set()
    await tracker.wait_idle()
    assert len(tracker) == 0, "a parked task is not busy"
    tracker.run(job())
    await tracker.wait_idle()
    assert hosts[0] is not None and hosts[0] is hosts[1], "the second ran on the parked task"
    assert await tracker.drain(1)
    assert hosts[0].done(), "drain ends the parked tasks"


async def test_no_more_tasks_park_than_the_limit() -> None:
    tracker = TaskTracker("turns", parked=1)
    hosts: set[asyncio.Task[object] | None] = set()
    release, all_started = asyncio.Event(), asyncio.Event()

    async def job() -> None:
        hosts.add(asyncio.current_task())
        if len(hosts) == 3:
            all_started.set()
        await release.wait()

    for _ in range(3):
        tracker.run(job())
    await asyncio.wait_for(all_started.wait(), 5)
    release.set()
    await tracker.wait_idle()

    async def past_the_limit_ended() -> bool:
        return sum(not task.done() for task in hosts if task) == 1

    await eventually(past_the_limit_ended)
    assert len(hosts) == 3, "three at once need three tasks"
    assert sum(not task.done() for task in hosts if task) == 1, "one of them stays parked"
    await tracker.drain(1)


async def test_a_failing_coroutine_is_logged_and_its_task_runs_the_next(
        caplog: pytest.LogCaptureFixture) -> None:
    tracker = TaskTracker("turns", parked=1)
    ran: list[str] = []

    async def fails() -> None:
        raise RuntimeError("a bug in a turn")

    async def works() -> None:
        ran.append("next")

    with caplog.at_level(logging.ERROR, logger="bot.tasks"):
        tracker.run(fails())
        await tracker.wait_idle()
    assert "turns work failed" in caplog.text and "a bug in a turn" in caplog.text
    tracker.run(works())
    await tracker.wait_idle()
    assert ran == ["next"]
    await tracker.drain(1)


async def test_drain_cancels_work_that_outlives_the_timeout() -> None:
    tracker = TaskTracker("turns", parked=1)

    async def hangs() -> None:
        await asyncio.Event().wait()

    tracker.run(hangs())
    assert not await tracker.drain(0.05)
    assert len(tracker) == 0
