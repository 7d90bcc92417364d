"""The loop runner: uvloop when installed, and the collector tuned for a server."""

from __future__ import annotations

import asyncio
import gc

from bot import loop


def test_run_uses_uvloop_and_makes_collections_rarer() -> None:
    before = gc.get_threshold()

    async def which_loop() -> str:
        return type(asyncio.get_running_loop()).__module__

    try:
        assert loop.run(which_loop()).startswith("uvloop")
        assert gc.get_threshold()[0] == loop.GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0  # start-up objects are out of the collector's way
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
