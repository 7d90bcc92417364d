"""The event loop Omnicanal runs on: uvloop when installed (a libuv loop written in C,
noticeably cheaper per task and per socket operation on the message path), else the
standard one; and the garbage collector set for a long-running message server.

Garbage collection: every turn allocates many short-lived objects (models, futures,
dicts), so CPython's default first-generation threshold (700 allocations) triggers a
collection every few messages, and each full collection walks every object alive since
start-up (modules, pydantic schemas, flows). ``gc.freeze()`` moves what exists at start to
a permanent generation the collector skips, and a larger first-generation threshold makes
collections rarer (each one still cheap: young objects mostly die young). Reference
counting frees almost everything anyway; the collector only has to find cycles. Measured
with bench/: a few percent of client CPU per message.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: First-generation collection threshold (CPython's default is 700).
GC_YOUNG_THRESHOLD = 10_000


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def run(main: Coroutine[Any, Any, T]) -> T:
    tune_gc()
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
