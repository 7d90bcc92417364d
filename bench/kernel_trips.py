"""What waiting costs the Python that runs after it, on this machine.

With the event webhooks on, the process makes 2.7 read and 2.7 write system calls per
message (``python -m bench.profile --events``) against 0.1 without, and goes idle now and
then while a receiver answers. This separates the two: a unit of our own hot-path Python
(a WhatsApp delivery's JSON read and parsed into ``Inbound`` by
``connectors.meta.whatsapp_parse``), timed by the thread's CPU clock around the unit
only, after nothing, a webhook POST to a receiver in another process (we wait for its
204), the same POST and answer with both ends in this thread (the same system calls, no
waiting), or a 20 / 200 µs sleep. The kinds alternate unit by unit, so the machine's
drift falls on each alike::

    .venv/bin/python -m bench.kernel_trips --rounds 3 --units 2000

A unit slower after the POST to another process than after the same POST within this
thread is paid for the wait (the core idles and its caches come back cold), not for the
system calls; bench/README.md, "Events on: more instructions, not the same ones slower".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import socket
import time
from collections.abc import Callable
from typing import Any

from connectors.meta.whatsapp_parse import parse_messages
from tests.fakes import meta_webhooks as hooks

REQUEST = (b"POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Content-Length: 400\r\n\r\n" + b"x" * 400)
ANSWER = b"HTTP/1.1 204 No Content\r\n\r\n"


def _receiver(listener: socket.socket) -> None:
    """Answer every request on the one connection it accepts with a 204."""
    connection, _ = listener.accept()
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while connection.recv(65536):
        connection.sendall(ANSWER)


def _connected(listener: socket.socket) -> socket.socket:
    client = socket.create_connection(listener.getsockname())
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return client


def _unit(repeat: int) -> Callable[[], Any]:
    body = hooks.encode(hooks.whatsapp_text(wa_id="34600000001", text="I would like two "
                                            "large pizzas delivered at eight, please",
                                            message_id="wamid." + "x" * 54,
                                            phone_number_id="PNID"))

    def unit() -> Any:
        for _ in range(repeat):
            parsed = parse_messages(json.loads(body), "PNID")
        return parsed
    return unit


def measure(rounds: int, units: int, repeat: int) -> list[dict[str, float]]:
    """Per round, the mean CPU µs of a unit after each kind of pause."""
    remote = socket.create_server(("127.0.0.1", 0))
    receiver = multiprocessing.get_context("fork").Process(target=_receiver,
                                                          args=(remote,), daemon=True)
    receiver.start()
    client = _connected(remote)
    local = socket.create_server(("127.0.0.1", 0))
    near = _connected(local)
    far, _ = local.accept()

    def exchange() -> None:  # the receiver answers from its own process: we wait for it
        client.sendall(REQUEST)
        client.recv(65536)

    def exchange_here() -> None:  # both ends in this thread: the same calls, no waiting
        near.sendall(REQUEST)
        far.recv(65536)
        far.sendall(ANSWER)
        near.recv(65536)

    before: dict[str, Callable[[], Any]] = {
        "nothing": lambda: None, "a POST to another process": exchange,
        "the same POST within this thread": exchange_here,
        "sleeping 20 µs": lambda: time.sleep(20e-6),
        "sleeping 200 µs": lambda: time.sleep(200e-6)}
    kinds = list(before)
    unit = _unit(repeat)
    for _ in range(units):  # warm-up
        unit()
    results = []
    try:
        for _ in range(rounds):
            spent = dict.fromkeys(kinds, 0.0)
            for i in range(units * len(kinds)):
                kind = kinds[i % len(kinds)]
                before[kind]()
                start = time.thread_time()
                unit()
                spent[kind] += time.thread_time() - start
            results.append({k: v / units * 1e6 for k, v in spent.items()})
    finally:
        for sock in (client, near, far, local):
            sock.close()
        receiver.join(5)
        remote.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=1,
                        help="deliveries parsed per unit (1: about 25-35 µs of Python)")
    args = parser.parse_args()
    for n, row in enumerate(measure(args.rounds, args.units, args.repeat), 1):
        base = row["nothing"]
        print(f"round {n}, CPU µs of a unit after:")
        for kind, spent in row.items():
            print(f"  {kind:34} {spent:6.1f}  {spent / base:.2f}x", flush=True)


if __name__ == "__main__":
    main()
