"""A private Valkey server for the benchmark, and the server's own counters."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from redis.asyncio import Redis

from bot.store.embedded import free_port, server_binary
from tests.servers import wait_for_port


class BenchServer:
    """Valkey on 127.0.0.1 from the embedded binary; no persistence unless ``aof``."""

    def __init__(self, *, aof: bool = False) -> None:
        self.aof = aof
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="omnibench-")
        self._process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        data = Path(self._dir.name)
        persistence = (["--appendonly", "yes", "--appendfsync", "everysec"] if self.aof
                       else ["--appendonly", "no"])
        self._process = subprocess.Popen(
            [server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(data), *persistence, "--save", "", "--daemonize", "no",
             "--logfile", str(data / "valkey.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None
        self._dir.cleanup()


@dataclass
class ServerStats:
    """A snapshot of INFO counters that matter per message."""

    commands: dict[str, int] = field(default_factory=dict)  # cmdstat_x -> calls
    total_processed: int = 0
    used_memory: int = 0
    cpu: float = 0.0

    def minus(self, before: ServerStats) -> ServerStats:
        names = set(self.commands) | set(before.commands)
        return ServerStats(
            commands={n: self.commands.get(n, 0) - before.commands.get(n, 0) for n in names},
            total_processed=self.total_processed - before.total_processed,
            used_memory=self.used_memory - before.used_memory,
            cpu=self.cpu - before.cpu)


async def snapshot(redis: Redis) -> ServerStats:
    stats = await redis.info("commandstats")
    commands = {name.removeprefix("cmdstat_"): int(value["calls"])
                for name, value in stats.items() if isinstance(value, dict)}
    general = await redis.info("stats")
    memory = await redis.info("memory")
    cpu = await redis.info("cpu")
    return ServerStats(commands=commands,
                       total_processed=int(general["total_commands_processed"]),
                       used_memory=int(memory["used_memory_dataset"]),
                       cpu=float(cpu["used_cpu_user"]) + float(cpu["used_cpu_sys"]))


async def server_version(redis: Redis) -> str:
    info = await redis.info("server")
    return str(info.get("valkey_version") or info.get("redis_version"))
