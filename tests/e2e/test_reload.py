"""``omnicanal run --reload``: a changed flow file is served after the restart, and a
conversation in progress continues at its step (the store outlives the process)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.store.embedded import free_port
from tests.e2e.test_run import chat, say

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

FLOW = '''
from bot.dialogue import Ask, End, Flow, StepResult, Turn

booking = Flow("booking", slots={{"size": int}})


@booking.step
async def ask_size(turn: Turn) -> StepResult:
    return Ask("size", "{ask}", then=done)


@booking.step
async def done(turn: Turn) -> StepResult:
    turn.say(f"{done} {{turn.slots['size']}}.")
    return End()


FLOWS = [booking]
'''


async def _wait_for(process: asyncio.subprocess.Process, text: str, seen: list[str]) -> None:
    assert process.stdout is not None
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), 40)).decode()
        assert line, "the process exited:\n" + "".join(seen)
        seen.append(line)
        if text in line:
            return


async def test_a_changed_flow_is_served_and_the_conversation_keeps_its_step(
        tmp_path: Path) -> None:
    port = free_port()
    flow = tmp_path / "reloading_flows.py"
    flow.write_text(FLOW.format(ask="How many people?", done="Booked for"))
    (tmp_path / "config.yaml").write_text(f"""
store: {{url: embedded, data_dir: {tmp_path / 'data'}, appendfsync: always}}
server: {{port: {port}}}
flows: {{modules: [reloading_flows]}}
connectors: {{webchat: {{enabled: true}}}}
""")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "omnicanal", "run", "--reload", cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", "PYTHONUNBUFFERED": "1"})
    seen: list[str] = []
    try:
        await _wait_for(process, "Omnicanal is running", seen)
        async with aiohttp.ClientSession() as http:
            ws, token = await chat(http, port, None)
            assert (await say(ws, "1", text="hi"))["text"] == "How many people?"
            await ws.close()

            flow.write_text(FLOW.format(ask="How many people?", done="Version two: booked for"))
            await _wait_for(process, "restarting the bot", seen)
            await _wait_for(process, "Omnicanal is running", seen)

            ws, _ = await chat(http, port, token)
            assert (await say(ws, "2", text="4"))["text"] == "Version two: booked for 4."
            await ws.close()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 40) == 0, "".join(seen)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
