"""Waiting on what has no event to wait on (another process's writes, a page's state):
polled, bounded, so a test fails instead of hanging."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def eventually(check: Callable[[], Awaitable[object]], timeout: float = 5.0,
                     every: float = 0.02) -> None:
    """Until ``check()`` is true; ``TimeoutError`` naming the wait after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met in {timeout} s")
        await asyncio.sleep(every)
