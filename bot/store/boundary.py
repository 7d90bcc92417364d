"""The store's one error boundary: whatever the Redis client raises (its own errors, a
socket's) leaves ``bot/store/`` as a ``StoreError``, so callers above catch one type.

Like httpx's ``map_exceptions``, the translation happens at one place: ``@boundary`` on a
store class wraps each of its public coroutine methods and async generators. The hot path
pays nothing for it: its methods run the Lua scripts and batched commands, which translate
errors themselves (``scripts.py``, and each ``batcher.execute`` caller), and are marked
``@translates`` so the class decorator leaves them as they are (no extra coroutine).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from redis.exceptions import RedisError

from bot.errors import StoreError

#: What the client raises when the store fails or cannot be reached.
CLIENT_ERRORS = (RedisError, OSError)

C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])


def translates(method: F) -> F:
    """Mark a method that raises only ``StoreError`` by itself (``@boundary`` skips it)."""
    method.__translates__ = True  # type: ignore[attr-defined]
    return method


@contextmanager
def translated(doing: str) -> Iterator[None]:
    """Inside: a client error becomes ``StoreError("could not <doing>: ...")``."""
    try:
        yield
    except CLIENT_ERRORS as exc:
        raise StoreError(f"could not {doing}: {exc}") from exc


def boundary(cls: C) -> C:
    """Make every public coroutine method and async generator of ``cls`` raise
    ``StoreError`` instead of the client's errors."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or getattr(member, "__translates__", False):
            continue
        doing = f"{name.replace('_', ' ')} ({cls.__name__})"
        if inspect.iscoroutinefunction(member):
            setattr(cls, name, _guarded(member, doing))
        elif inspect.isasyncgenfunction(member):
            setattr(cls, name, _guarded_iterator(member, doing))
    cls.__store_boundary__ = True  # type: ignore[attr-defined]
    return cls


def _guarded(method: Callable[..., Any], doing: str) -> Callable[..., Any]:
    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not {doing}: {exc}") from exc

    guarded.__translates__ = True  # type: ignore[attr-defined]
    return guarded


def _guarded_iterator(method: Callable[..., AsyncIterator[Any]],
                      doing: str) -> Callable[..., AsyncIterator[Any]]:
    @functools.wraps(method)
    async def guarded(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            async for item in method(*args, **kwargs):
                yield item
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not {doing}: {exc}") from exc

    guarded.__translates__ = True  # type: ignore[attr-defined]
    return guarded
