"""Lease tokens: who holds a customer's lease (see lua/ingest.lua, lua/commit.lua)."""

from __future__ import annotations

import itertools
import os
import secrets


class _LeaseTokens:
    """Lease tokens: a random prefix per process and a counter. A token only has to differ
    from every other holder's, so that a turn that lost its lease cannot pass for the one
    holding it now; drawing 8 random bytes from the system for every message cost a
    system call each. A forked child draws its own prefix."""

    def __init__(self) -> None:
        self._reseed()
        os.register_at_fork(after_in_child=self._reseed)

    def _reseed(self) -> None:
        self._prefix = secrets.token_hex(6)
        self._count = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._count):x}"


new_token = _LeaseTokens()
