"""Background tasks that are tracked, logged when they fail, and drained on shutdown.

``TaskTracker.run`` hands a coroutine to one of a few parked tasks instead of creating a
task for it: on the message path (a turn per message) a task's creation, its first step
and its done callback cost about 8 µs where waking a parked task costs about 3.5
(bench/README.md, "Client side (session 9)").

A parked task runs its coroutines in its own context, one after another: a
``contextvars.ContextVar`` set by one turn is still set in the next turn that task runs.
Nothing in the framework uses one; a flow that does should reset it in the same turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

#: A parked task's next piece of work; None tells it to end.
_Work = Coroutine[Any, Any, Any] | None


class TaskTracker:
    """Keeps a reference to every spawned task (so none is garbage-collected mid-flight),
    logs the ones that fail, and waits for all of them on shutdown.

    ``parked``: how many finished ``run`` tasks may wait for the next coroutine (0: each
    ``run`` is a ``spawn``). Parked tasks are not busy: ``len``, ``wait_idle`` and
    ``drain`` count only the work in flight, and ``drain`` ends the parked ones."""

    def __init__(self, name: str, *, parked: int = 0) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        #: Spawned tasks running, plus coroutines handed to ``run`` and not yet finished.
        self._busy = 0
        self._parked: list[asyncio.Future[_Work]] = []
        self._parked_limit = parked

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, name: str | None = None
    ) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        self._busy += 1
        self._idle.clear()
        task.add_done_callback(self._done)
        return task

    def run(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` in the background like ``spawn``, on a parked task when one
        waits (its failure is logged the same way; it has no task of its own to name)."""
        self._busy += 1
        self._idle.clear()
        while self._parked:
            waiter = self._parked.pop()
            if not waiter.done():  # a parked task cancelled while waiting is gone
                waiter.set_result(coro)
                return
        task = asyncio.create_task(self._host(coro), name=f"{self.name}:runner")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _host(self, work: _Work) -> None:
        """Run coroutines one after another, parking in between, until told to end or
        more than ``parked`` tasks already wait."""
        loop = asyncio.get_running_loop()
        while work is not None:
            try:
                await work
            except Exception:  # the background work's boundary, as in ``_done``
                log.exception("%s work failed", self.name)
            finally:
                self._finished()
            if len(self._parked) >= self._parked_limit:
                return
            waiter: asyncio.Future[_Work] = loop.create_future()
            self._parked.append(waiter)
            work = await waiter

    def _finished(self) -> None:
        self._busy -= 1
        if not self._busy:
            self._idle.set()

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        self._finished()
        if not task.cancelled() and task.exception() is not None:
            log.error("%s task %s failed", self.name, task.get_name(),
                      exc_info=task.exception())

    def __len__(self) -> int:
        return self._busy

    async def wait_idle(self) -> None:
        """Wait until no task is running (new ones may be spawned meanwhile)."""
        await self._idle.wait()

    async def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for running tasks, then cancel the rest, and end
        the parked ones. Returns True when all finished on their own."""
        finished = await self._wait_busy(timeout)
        self._parked_limit = 0
        while self._parked:
            waiter = self._parked.pop()
            if not waiter.done():
                waiter.set_result(None)
        await asyncio.gather(*self._tasks, return_exceptions=True)
        return finished

    async def _wait_busy(self, timeout: float) -> bool:
        if not self._busy:
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            pending = [t for t in self._tasks if not t.done()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            log.warning("%s: cancelled %d unfinished task(s) at shutdown", self.name, len(pending))
            return False
