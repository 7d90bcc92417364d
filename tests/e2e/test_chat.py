"""`omnicanal chat`: the terminal as a text-only channel, for developers."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]  # where the test flows import from


async def test_a_terminal_conversation_with_numbered_choices(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"store:\n  url: embedded\n  data_dir: {tmp_path / 'data'}\n"
                      "flows:\n  modules: [tests.flows_for_tests]\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "-c", str(config), cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(b"hi\n2\nT200\n"), 60)
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert "bot> Hello! Test desk here. What do you need?" in text
    assert "\n     2. Check a ticket\n" in text
    assert "What's your ticket number? It looks like T123." in text
    assert "Ticket T200 is waiting for a part from Acme." in text
