"""Keep sends within Telegram's flood limits: about 1 message/s per chat, 30/s overall.

Each send reserves the next free slot of its chat and of the whole bot, then waits for the
later of the two, so bursts are spread out instead of answered with 429s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Pacer:
    """Per-chat and global spacing of sends. A rate of 0 disables that limit."""

    def __init__(self, *, per_chat: float, overall: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._chat_gap = 1.0 / per_chat if per_chat > 0 else 0.0
        self._global_gap = 1.0 / overall if overall > 0 else 0.0
        self._clock = clock
        self._next_chat: dict[int, float] = {}
        self._next_global = 0.0

    def reserve(self, chat_id: int) -> float:
        """Reserve a slot for ``chat_id``; return how many seconds to wait for it."""
        now = self._clock()
        chat_at = max(now, self._next_chat.get(chat_id, 0.0))
        global_at = max(now, self._next_global)
        self._next_chat[chat_id] = chat_at + self._chat_gap
        self._next_global = global_at + self._global_gap
        if len(self._next_chat) > 10_000:  # forget chats whose slot has passed
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}
        return max(chat_at, global_at) - now

    async def wait(self, chat_id: int) -> None:
        delay = self.reserve(chat_id)
        if delay > 0:
            await asyncio.sleep(delay)
