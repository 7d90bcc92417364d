"""``omnicanal chat --attach``: the terminal joins a running bot over its store, so a
conversation started in the web chat continues in the terminal once linked."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.store.embedded import free_port
from tests.e2e.test_run import BotProcess, chat, say, write_config

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"\b([A-Z2-9]{4}-[A-Z2-9]{4})\b")


async def _terminal(config: Path, lines: str, *attach: str) -> tuple[int | None, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", *attach, "-c", str(config), cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(lines.encode()), 60)
    return process.returncode, out.decode(), err.decode()


async def test_a_web_chat_conversation_continues_in_the_attached_terminal(
        tmp_path: Path) -> None:
    port = free_port()
    config = write_config(tmp_path, port)
    bot = BotProcess(config)
    try:
        await bot.start()
        code, _, refused = await _terminal(config, "hi\n")
        assert code == 1 and "omnicanal chat --attach" in refused

        async with aiohttp.ClientSession() as http:
            ws, token = await chat(http, port, None)
            await say(ws, "1", text="/report")
            parts = await say(ws, "2", text="T100")
            assert [c["payload"] for c in parts["choices"]] == ["screen", "cable"]
            offer = await say(ws, "3", text="/link")
            found = CODE.search(offer["text"])
            assert found is not None, offer
            await ws.close()

        # The code, "1" (yes, continue here), then "2" (Power cable) answers the question
        # the web chat was at.
        code, out, err = await _terminal(config, f"{found.group(1)}\n1\n2\n", "--attach")
        assert code == 0, err
        joined = out.split("Welcome back!")[1]
        assert "We were here:\nbot> Which part is faulty?" in joined
        assert joined.rstrip().endswith("4. Something else\nyou>")
        assert "bot> What is wrong with it?" in joined

        async with aiohttp.ClientSession() as http:  # and back in the browser, one step on
            ws, _ = await chat(http, port, token)
            greeting = await say(ws, "4", text="2")  # "A piece is missing"
            assert greeting["text"] == "Hi again, continuing here on the web chat."
            while (frame := json.loads(await ws.receive_str(timeout=10)))["type"] != "message":
                pass
            assert frame["text"] == "How should we fix it?"
            await ws.close()
        assert await bot.stop() == 0
    finally:
        await bot.kill()
