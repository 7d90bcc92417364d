"""Running `omnicanal run --role ...` as real processes for the scale and fault tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.store.embedded import die_with_parent
from tests.conftest import TEST_FLOWS

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, **sections: Any) -> Path:
    """A config.yaml of ``sections``, running the test flows unless they name others."""
    path.write_text(yaml.safe_dump({"flows": TEST_FLOWS, **sections}))
    return path


class BotProcess:
    """One `omnicanal run` process; started from the repository root so test flow
    modules under tests/ import."""

    def __init__(self, config: Path, role: str) -> None:
        self.config = config
        self.role = role
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self, ready: str = "running") -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "-c", str(self.config), "--role", self.role,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=ROOT, env=env,
            preexec_fn=die_with_parent)  # no orphans if the test itself is killed
        assert self.process.stdout is not None
        while True:
            line = (await asyncio.wait_for(self.process.stdout.readline(), 30)).decode()
            self.output.append(line)
            if not line:
                raise AssertionError(f"{self.role} exited:\n" + "".join(self.output[-30:]))
            if ready in line:
                break
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.output.append(line.decode())

    @property
    def process_pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(sig)

    async def kill(self) -> None:
        self.signal(signal.SIGKILL)
        await self.wait()

    async def stop(self, timeout: float = 30) -> int:
        self.signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def wait(self, timeout: float = 30) -> int:
        if self.process is None:
            return 0
        code = await asyncio.wait_for(self.process.wait(), timeout)
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 5)
        return code
