"""`omnicanal run --role web` and `--role worker` as real processes on one store."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.store.embedded import free_port
from tests.scale.processes import BotProcess, write_config
from tests.servers import store_section

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


# Proves docs/architecture.md invariant 9.
async def test_web_records_and_workers_answer_even_when_one_dies(
    tmp_path: Path, redis: Redis, redis_url: str
) -> None:
    port = free_port()
    config = write_config(tmp_path / "config.yaml",
                          store=store_section(redis_url, lease_seconds=2),
                          server={"port": port}, connectors={"webchat": {"enabled": True}})
    web = BotProcess(config, "web")
    workers = [BotProcess(config, "worker") for _ in range(2)]
    try:
        await web.start()
        for worker in workers:
            await worker.start()
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"http://127.0.0.1:{port}/webchat")
            await ws.send_str(json.dumps({"type": "hello", "token": None, "locale": "en"}))

            seen: set[str] = set()

            async def next_reply() -> str:
                # Like the browser client: a reply re-sent after a crash (same id) is
                # shown once.
                while True:
                    frame = json.loads(await ws.receive_str(timeout=30))
                    if frame["type"] == "message" and frame["id"] not in seen:
                        seen.add(frame["id"])
                        return str(frame["text"])

            async def reply(text: str, n: int) -> str:
                await ws.send_str(json.dumps({"type": "message", "id": f"m{n}", "text": text}))
                return await next_reply()

            assert await reply("/report", 1) == (
                "Let's report a fault. What's the ticket number? (like T100)")
            await workers[0].kill()  # a worker dies; the other one carries on
            assert await reply("T100", 2) == "Which part is faulty?"
            await workers[1].kill()  # all workers dead: messages wait, recorded...
            await ws.send_str(json.dumps({"type": "message", "id": "m3", "text": "2"}))
            replacement = BotProcess(config, "worker")  # ...until a worker comes back
            workers.append(replacement)
            await replacement.start()
            assert await next_reply() == "What is wrong with it?"
            await ws.close()
        assert await replacement.stop() == 0
        assert await web.stop() == 0
    finally:
        for process in (web, *workers):
            await process.kill()
