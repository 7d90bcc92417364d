"""Lease tokens: unique within a process and across processes, forked ones included."""

from __future__ import annotations

import os

from bot.store.tokens import new_token


def test_tokens_never_repeat_in_a_process() -> None:
    tokens = [new_token() for _ in range(10_000)]
    assert len(set(tokens)) == len(tokens)


def test_a_forked_child_draws_its_own_tokens() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, new_token().encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = os.read(read, 100).decode()
    os.close(read)
    mine = new_token()
    assert child and child[:12] != mine[:12]
