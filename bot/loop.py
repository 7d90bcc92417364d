"""The event loop Omnicanal runs on: uvloop when installed (a libuv loop written in C,
noticeably cheaper per task and per socket operation on the message path), else the
standard one; and the cyclic garbage collector tuned for a server."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Net allocations of container objects between two young collections. Python's default
#: (700) is reached within a few requests in flight (each holds a task, futures, a parsed
#: payload...), so the collector ran every few requests to re-examine objects that were
#: still in use: about 5% of a web process's CPU. Garbage is freed by reference counting
#: the moment it is dropped; the collector only finds cycles, which are rare here.
YOUNG_COLLECTION_THRESHOLD = 10_000


def tune_collector() -> None:
    """Leave what start-up loaded (modules, classes) out of every collection, and collect
    young objects less often."""
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, old)


def run(main: Coroutine[Any, Any, T]) -> T:
    tune_collector()
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
