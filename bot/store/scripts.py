"""The store's Lua scripts: loaded from ``lua/``, run by SHA through the batcher."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Sequence
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from bot.errors import StoreError
from bot.store.batching import CommandBatcher
from bot.store.boundary import CLIENT_ERRORS


def now_ms() -> int:
    """Now, as the scripts take times: epoch milliseconds."""
    return int(time.time() * 1000)


#: The value KEYS[1] holds, or (none held) ARGV[1] set there (for ARGV[2] seconds unless
#: 0) and nil.
_HELD_OR_SET = """
local held = redis.call('get', KEYS[1])
if held then return held end
if ARGV[2] == '0' then redis.call('set', KEYS[1], ARGV[1])
else redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return false
"""


async def held_or_set(redis: Redis, key: str, value: str, *, ttl_seconds: int = 0) -> Any:
    """What ``key`` holds, or None after setting it to ``value``: one step, where a refused
    SET NX and then a GET could see the holder vanish in between (an erasure) and answer
    "yours" with nothing stored. Rare calls (claims), so sent as EVAL."""
    return await redis.eval(_HELD_OR_SET, 1, key, value, ttl_seconds)


def load_script(name: str) -> str:
    """A script's source, with ``-- #include <fragment>`` lines replaced by the fragment
    (shared Lua functions, kept in one place)."""
    text = (resources.files("bot.store") / "lua" / f"{name}.lua").read_text(encoding="utf-8")
    lines = [load_script(line.split()[-1]) if line.startswith("-- #include ") else line
             for line in text.splitlines()]
    return "\n".join(lines) + "\n"


class Script:
    """A Lua script run through the batcher by its SHA; loaded on first NOSCRIPT (a fresh
    or restarted server) and retried once. Every turn that meets NOSCRIPT at the same time
    (all of them, on a busy process whose server restarted) waits for one load, where each
    used to load it through a connection of its own.

    A store that cannot be reached or refuses raises ``StoreError("could not <doing>:
    ...")``: the script says what it was doing, so its callers need not each translate
    the client's errors."""

    def __init__(self, redis: Redis, batcher: CommandBatcher, name: str, doing: str) -> None:
        self.redis = redis
        self.batcher = batcher
        self.doing = doing
        self.source = load_script(name)
        # SHA-1 names the script for EVALSHA (what Redis uses), not a security measure.
        self.sha = hashlib.sha1(self.source.encode(), usedforsecurity=False).hexdigest()
        self._loading: asyncio.Future[Any] | None = None
        self._loads = 0  # loads finished, to tell a stale NOSCRIPT from a new restart

    async def __call__(self, *, keys: Sequence[str], args: Sequence[Any]) -> Any:
        try:
            for attempt in range(3):
                # A load finished after this call was sent makes its NOSCRIPT stale.
                loads_before = self._loads
                try:
                    return await self.batcher.execute(
                        "EVALSHA", self.sha, len(keys), *keys, *args)
                except NoScriptError:
                    if attempt == 2:
                        raise
                    await self._load(loads_before)
            raise AssertionError("unreachable")  # pragma: no cover
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not {self.doing}: {exc}") from exc

    async def each(self, calls: Sequence[tuple[Sequence[str], Sequence[Any]]]) -> list[Any]:
        """The script once per ``(keys, args)``, every call written in this tick: for
        reads over many customers (a campaign's audience). On a single server the answers
        are futures awaited in the order they come back (replies arrive in order), so the
        lot costs no task and no callback per call, where gathering ``__call__`` costs
        both. The calls that met NOSCRIPT are sent again once the script is loaded."""
        answers: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))
        try:
            for attempt in range(3):
                loads_before = self._loads
                sent = [self.batcher.execute("EVALSHA", self.sha, len(calls[n][0]),
                                             *calls[n][0], *calls[n][1]) for n in pending]
                missing = []
                for n, answer in zip(pending, await settled(sent), strict=True):
                    if isinstance(answer, NoScriptError):
                        missing.append(n)
                    elif isinstance(answer, BaseException):
                        raise answer
                    else:
                        answers[n] = answer
                if not missing:
                    return answers
                if attempt == 2:
                    raise NoScriptError(f"the script {self.doing!r} would not load")
                await self._load(loads_before)
                pending = missing
            raise AssertionError("unreachable")  # pragma: no cover
        except CLIENT_ERRORS as exc:
            raise StoreError(f"could not {self.doing}: {exc}") from exc

    async def _load(self, loads_before: int) -> None:
        if self._loads != loads_before:
            # Loaded while this call's NOSCRIPT was on its way back (a busy process sends
            # its turns in several batches): the script is there now, retry without loading.
            return
        loading = self._loading
        if loading is None or loading.done():  # none yet, or from before a restart
            loading = self._loading = asyncio.ensure_future(self._load_once())
        await asyncio.shield(loading)

    async def _load_once(self) -> None:
        await self.redis.script_load(self.source)
        self._loads += 1


async def settled(sent: Sequence[Awaitable[Any]]) -> list[Any]:
    """Each answer or the error it raised, in order. Futures (a single server) are
    awaited one after another: one already answered returns at once, without a trip
    through the event loop; coroutines (a cluster routes each) are gathered."""
    if not all(isinstance(s, asyncio.Future) for s in sent):
        return await asyncio.gather(*sent, return_exceptions=True)
    found: list[Any] = []
    for future in sent:
        try:
            found.append(await future)
        except Exception as exc:  # handed to the caller, which raises it
            found.append(exc)
    return found
