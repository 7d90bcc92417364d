"""The event loop Omnicanal runs on: uvloop when installed (a libuv loop written in C,
noticeably cheaper per task and per socket operation on the message path), else the
standard one."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)

