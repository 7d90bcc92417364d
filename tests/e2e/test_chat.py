"""`omnicanal chat`: the terminal as a text-only channel, for developers."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


async def test_a_terminal_conversation_with_numbered_choices(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"store:\n  url: embedded\n  data_dir: {tmp_path / 'data'}\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "-c", str(config),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(b"hi\n2\nA1002\n"), 60)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "bot> Hi! I'm the Omnicanal Store assistant" in text
    assert "2. Where is my order?" in text
    assert "What's your order number?" in text
    assert "Order A1002 is on its way with Correos" in text
