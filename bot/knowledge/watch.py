"""Reload the knowledge base when its files change, while the bot runs.

A cheap poll of the files' modification times and sizes, not an OS watcher: a knowledge
base is tens to a few thousand small files (2,000 ``stat`` calls take a few milliseconds),
edits are rare, a delay of a couple of seconds is fine, and a poll behaves the same on
every OS, in containers and on network mounts, with no extra dependency (``watchfiles``
would add a Rust extension to save those milliseconds). Both the scan and the reload run
in a thread, so turns never wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import KnowledgeError
from bot.knowledge.loading import entry_files

if TYPE_CHECKING:
    from bot.knowledge.base import KnowledgeBase  # which imports this module

log = logging.getLogger(__name__)

Snapshot = frozenset[tuple[str, int, int]]


def snapshot(paths: tuple[Path, ...]) -> Snapshot:
    """Every entry file with its modification time and size (what an edit changes)."""
    found = set()
    for _, file in entry_files(paths):
        with contextlib.suppress(OSError):  # removed between the listing and the stat
            stat = file.stat()
            found.add((str(file), stat.st_mtime_ns, stat.st_size))
    return frozenset(found)


class Watcher:
    """Polls ``base.paths`` every ``interval`` seconds and reloads ``base`` on a change.
    A broken edit is logged and the previous index keeps answering until the next one."""

    def __init__(self, base: KnowledgeBase, *, interval: float) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.base = base
        self.interval = interval
        #: Polls done, and the problems of the last reload that failed (None: it worked).
        self.polls = 0
        self.last_error: KnowledgeError | None = None
        self._polled = asyncio.Condition()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(),
                                                            name="knowledge-watcher")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def next_poll(self) -> None:
        """Wait until a poll that started after this call has finished (tests, tools)."""
        async with self._polled:
            target = self.polls + 2  # the one running now may have looked already
            await self._polled.wait_for(lambda: self.polls >= target)

    async def _run(self) -> None:
        failed: Snapshot | None = None  # the files of the last broken edit, logged once
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            if self._stopping.is_set():
                return
            try:
                now = await asyncio.to_thread(snapshot, self.base.paths)
                if now != self.base.files and now != failed:
                    failed = now
                    await asyncio.to_thread(self.base.reload)
                    failed, self.last_error = None, None
            except KnowledgeError as exc:
                self.last_error = exc
                log.error("the knowledge base was not reloaded; the previous one still "
                          "answers. %s", exc)
            except Exception:  # the watcher's loop boundary: log, keep the old index
                log.exception("the knowledge base could not be reloaded")
            async with self._polled:
                self.polls += 1
                self._polled.notify_all()
