"""Starting a real Valkey server (the embedded binary) for tests, outside the runtime."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from bot.store.embedded import die_with_parent, server_binary


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    """Until the server answers PING: it gives no other readiness signal, so poll, bounded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"valkey did not answer on port {port}")


def start_valkey(data: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    """A Valkey server on 127.0.0.1:``port`` keeping its files in ``data``, ready."""
    process = subprocess.Popen(
        [server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data),
         "--appendonly", "yes", "--save", "", "--daemonize", "no",
         "--logfile", str(data / "valkey.log"), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent)
    try:
        wait_for_port(port)
    except RuntimeError:
        process.kill()
        raise
    return process
