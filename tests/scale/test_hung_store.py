"""Finding 15.9: a hung store (SIGSTOP on the Valkey process) made webhooks wait 25 s and
then answer 200, and a turn hung with it. With ``store.timeout_seconds`` a webhook answers
503 within a bounded time, a turn in the middle of its commit gives up, and once the
store is back (SIGCONT) the message is answered once."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.runtime import Runtime
from bot.store.embedded import free_port
from tests.fakes import meta_webhooks as hooks
from tests.fakes.graph_api import FakeGraphAPI
from tests.scale.conftest import record
from tests.scale.test_faults import graph, post, replies, sections
from tests.servers import start_valkey

pytestmark = [pytest.mark.slow, pytest.mark.timeout(200)]
__all__ = ["graph"]  # the fixture, shared with the other fault tests
TIMEOUT = 1.0


@pytest.fixture
def hung_store_url(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    data, port = tmp_path / "valkey", free_port()
    data.mkdir()
    process = start_valkey(data, port)
    try:
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait(10)


async def test_a_hung_store_makes_webhooks_answer_503_fast_and_turns_give_up(
    make_settings: Any, graph: FakeGraphAPI, hung_store_url: tuple[str, Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, valkey = hung_store_url
    marker = tmp_path / "in-the-slow-step"
    monkeypatch.setenv("OMNICANAL_TEST_MARKER", str(marker))
    monkeypatch.setenv("OMNICANAL_TEST_SLOW_SECONDS", "1")
    settings = make_settings(**sections(graph, url=url, cluster=False, lease_seconds=2,
                                        timeout_seconds=TIMEOUT))
    async with Runtime(settings) as runtime, aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=60)) as http:
        assert runtime.server is not None
        webhook = f"{runtime.server.url}/webhooks/whatsapp"
        slow = hooks.whatsapp_text(wa_id="34650000001", text="/slow", message_id="wamid.slow")
        assert await post(http, webhook, slow) == 200
        for _ in range(500):  # the turn is in its slow step (it says so in a file)
            if marker.exists():
                break
            await asyncio.sleep(0.01)
        valkey.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            status = await post(http, webhook, hooks.whatsapp_text(
                wa_id="34650000002", text="hello", message_id="wamid.during"))
            answered_in = time.monotonic() - started
            record(f"hung store: a webhook answered {status} in {answered_in:.2f}s")
            assert status == 503, "not recorded, so not acknowledged"
            assert answered_in < 6 * TIMEOUT, f"answered after {answered_in:.1f}s"
            # The slow turn's commit meets the hung store: it gives up rather than hang.
            await asyncio.wait_for(runtime.pipeline.turns.wait_idle(), 8 * TIMEOUT)
        finally:
            valkey.send_signal(signal.SIGCONT)
        assert await post(http, webhook, hooks.whatsapp_text(
            wa_id="34650000002", text="hello", message_id="wamid.during")) == 200
        await graph.wait_for_whatsapp(1, timeout=10)
        # The slow turn's message is answered once: by the periodic recovery, or by its
        # own commit if the paused server still applied it.
        for _ in range(400):
            if ("34650000001" in {to for to, _ in replies(graph)}
                    and ("34650000002", "echo:hello") in replies(graph)):
                break
            await asyncio.sleep(0.1)
        got = replies(graph)
        assert sum(n for (to, _), n in got.items() if to == "34650000001") == 1, got
        assert got[("34650000002", "echo:hello")] == 1
        client = Redis.from_url(url)
        leases = [k async for k in client.scan_iter(match="omni:*:lease")]
        expiries = [await client.pttl(k) for k in leases]
        assert all(ms > 0 for ms in expiries), "no lease is left forever"
        await client.aclose()
