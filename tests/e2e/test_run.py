"""`omnicanal run` as a real process: the test flows over the web chat websocket, on the
embedded store, surviving a restart mid-flow; a bad config never starts."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.store.embedded import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]  # where the test flows import from


def write_config(tmp_path: Path, port: int) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(f"""
store:
  url: embedded
  data_dir: {tmp_path / 'data'}
  appendfsync: always
server:
  port: {port}
flows:
  modules: [tests.flows_for_tests]
connectors:
  webchat:
    enabled: true
""")
    return config


class BotProcess:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "-c", str(self.config), cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert self.process.stdout is not None
        while True:
            line = (await asyncio.wait_for(self.process.stdout.readline(), 30)).decode()
            self.output.append(line)
            if not line:
                raise AssertionError("bot exited:\n" + "".join(self.output))
            if "Omnicanal is running" in line:
                return

    async def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), 30)
        self.process = None
        return code

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def chat(http: aiohttp.ClientSession, port: int, token: str | None) -> tuple[
        aiohttp.ClientWebSocketResponse, str]:
    ws = await http.ws_connect(f"http://127.0.0.1:{port}/webchat")
    await ws.send_str(json.dumps({"type": "hello", "token": token, "locale": "en"}))
    while True:
        frame = json.loads(await ws.receive_str(timeout=10))
        if frame["type"] == "welcome":
            return ws, frame["token"]


async def say(ws: aiohttp.ClientWebSocketResponse, message_id: str, **fields: Any) -> dict[
        str, Any]:
    kind = "choice" if "payload" in fields else "message"
    await ws.send_str(json.dumps({"type": kind, "id": message_id, **fields}))
    while True:
        frame: dict[str, Any] = json.loads(await ws.receive_str(timeout=10))
        if frame["type"] == "message":
            return frame


async def test_a_form_continues_at_the_same_step_after_a_restart(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    port = free_port()
    bot = BotProcess(write_config(tmp_path, port))
    try:
        await bot.start()
        ws, token = await chat(http, port, None)
        assert (await say(ws, "1", text="/report"))["text"] == (
            "Let's report a fault. What's the ticket number? (like T100)")
        parts = await say(ws, "2", text="T100")
        assert [c["payload"] for c in parts["choices"]] == ["screen", "cable"]
        problems = await say(ws, "3", payload="cable", title="Power cable")
        assert problems["text"] == "What is wrong with it?"
        await ws.close()
        assert await bot.stop() == 0

        await bot.start()
        ws, _ = await chat(http, port, token)
        fix = await say(ws, "4", text="2")  # "A piece is missing", typed as a number
        assert fix["text"] == "How should we fix it?"
        await ws.close()
        assert await bot.stop() == 0
    finally:
        await bot.kill()


# Proves docs/architecture.md invariant 6.
async def test_a_bad_config_stops_start_up_with_the_key_path(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("server:\n  port: 8080\n  hots: 0.0.0.0\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "-c", str(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert "server.hots: unknown key. Did you mean 'host'?" in err.decode()
    assert "running" not in out.decode()
