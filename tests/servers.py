"""Starting a real Valkey server (the embedded binary) for tests, outside the runtime."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from bot.store.embedded import die_with_parent, server_binary
from bot.store.embedded import free_port as _free_port

#: OMNICANAL_TEST_CLUSTER=1 runs the tests on a local three-master Redis Cluster.
CLUSTER = bool(os.environ.get("OMNICANAL_TEST_CLUSTER"))


def store_section(url: str, **settings: Any) -> dict[str, Any]:
    """A config ``store:`` section for the test server (a cluster node on cluster runs)."""
    return {"url": url, "cluster": CLUSTER, **settings}


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


def start_cluster(base: Path, ports: list[int]) -> list[subprocess.Popen[bytes]]:
    """A Redis Cluster of ``len(ports)`` masters on loopback, slots split evenly, ready."""
    from redis import Redis

    processes = []
    buses = {port: _free_port() for port in ports}
    for port in ports:
        data = base / str(port)
        data.mkdir(parents=True, exist_ok=True)
        # The bus port defaults to port + 10000, past 65535 for high ephemeral ports.
        processes.append(start_valkey(data, port, "--cluster-enabled", "yes",
                                      "--cluster-port", str(buses[port]),
                                      "--cluster-config-file", str(data / "nodes.conf"),
                                      "--cluster-node-timeout", "5000"))
    size = 16384 // len(ports)
    for index, port in enumerate(ports):
        last = 16383 if index == len(ports) - 1 else (index + 1) * size - 1
        Redis(port=port).execute_command("CLUSTER", "ADDSLOTSRANGE", index * size, last)
    for port in ports[1:]:
        Redis(port=ports[0]).execute_command("CLUSTER", "MEET", "127.0.0.1", port, buses[port])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = [Redis(port=p).execute_command("CLUSTER", "INFO") for p in ports]
        if all(b"cluster_state:ok" in s for s in states):
            return processes
        time.sleep(0.1)
    raise RuntimeError("the test cluster did not become ready")
