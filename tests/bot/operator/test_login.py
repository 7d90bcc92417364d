"""Logging in to the console, attacked: simultaneous guesses, guesses meant to lock someone
out, a proxy in front, a page on another origin, exact bearer tokens, a store outage."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from bot.config.settings import Settings
from bot.handoff.passwords import verify_password
from bot.operator.addresses import ClientAddress
from bot.runtime import Runtime
from bot.store.embedded import free_port
from bot.web.types import WebRequest
from tests.bot.operator.console import HELPDESK_TOKEN, PASSWORD
from tests.servers import start_valkey


async def status(response: Awaitable[aiohttp.ClientResponse]) -> int:
    answered = await response
    answered.release()
    return answered.status


async def test_simultaneous_wrong_passwords_cannot_pass_the_failed_login_limit(
    consoles: Any,
) -> None:
    attacker = consoles()
    statuses = await asyncio.gather(*(status(attacker.login("bo", f"guess {n}"))
                                      for n in range(60)))
    assert statuses.count(401) <= 3, "at most login_attempts guesses were checked"
    assert statuses.count(429) == 60 - statuses.count(401), sorted(statuses)
    assert await status(attacker.login("bo")) == 429


async def test_password_checks_do_not_stall_other_requests(
    operator_settings: Callable[..., Settings], consoles: Any, monkeypatch: Any,
) -> None:
    """The event loop's own thread never runs a password check (scrypt, ~50 ms each):
    every check of 30 simultaneous logins runs on another thread. The checks are the real
    ones, watched on their way in; which thread ran them is a fact, where the loop's CPU
    time (what this test measured before) moved with the machine's load."""
    threads: list[int] = []

    def watched(password: str, stored: str) -> bool:
        threads.append(threading.get_ident())
        return verify_password(password, stored)

    monkeypatch.setattr("bot.operator.auth.verify_password", watched)
    settings = operator_settings(handoff={"login_attempts": 100,
                                          "login_attempts_per_address": 1000})
    async with Runtime(settings) as runtime:
        browsers = [consoles(runtime) for _ in range(30)]
        statuses = await asyncio.gather(*(status(b.login("bo")) for b in browsers))
    assert statuses == [200] * 30
    assert len(threads) == 30, "each login's password was checked"
    assert threading.get_ident() not in threads, "a check ran on the event loop's thread"


async def test_a_locked_out_operator_still_logs_in_from_another_address(
    operator_settings: Callable[..., Settings], consoles: Any,
) -> None:
    settings = operator_settings(server={"trusted_proxies": ["127.0.0.1"]})
    async with Runtime(settings) as runtime:
        attacker = consoles(runtime, forwarded_for="203.0.113.9")
        for n in range(3):
            assert await status(attacker.login("bo", f"guess {n}")) == 401
        assert await status(attacker.login("bo")) == 429, "locked out there"
        assert await status(attacker.login("ana")) == 200, "other operators are not"
        bo = consoles(runtime, forwarded_for="198.51.100.7, 127.0.0.1")
        assert await status(bo.login("bo")) == 200


async def test_one_address_guessing_across_operators_is_limited(
    operator_settings: Callable[..., Settings], consoles: Any,
) -> None:
    settings = operator_settings(handoff={"login_attempts_per_address": 4})
    async with Runtime(settings) as runtime:
        attacker = consoles(runtime)
        for operator in ("ana", "bo", "sam", "nobody"):
            assert await status(attacker.login(operator, "guess")) == 401
        assert await status(attacker.login("bo")) == 429


async def test_an_untrusted_peer_cannot_choose_its_address_with_x_forwarded_for(
    consoles: Any,
) -> None:
    for n in range(3):
        attacker = consoles(forwarded_for=f"203.0.113.{n}")
        assert await status(attacker.login("bo", "guess")) == 401
    assert await status(consoles(forwarded_for="198.51.100.1").login("bo")) == 429


def test_the_forwarded_address_is_read_from_the_right_up_to_our_proxies() -> None:
    def address(peer: str, forwarded: str | None) -> str:
        headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
        request = WebRequest(method="POST", path="/", headers=headers, query={},
                             peer=lambda: peer)
        return ClientAddress(["127.0.0.1", "10.0.0.0/8"]).of(request)

    assert address("127.0.0.1", "198.51.100.7") == "198.51.100.7"
    assert address("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.2.3") == "198.51.100.7", \
        "what the client wrote itself (left of our first proxy) is ignored"
    assert address("192.0.2.5", "198.51.100.7") == "192.0.2.5", "not one of our proxies"
    assert address("127.0.0.1", "garbage, 10.0.0.9") == "10.0.0.9"
    assert address("127.0.0.1", None) == "127.0.0.1"


async def test_a_login_from_another_origin_or_not_as_json_is_refused(runtime: Runtime) -> None:
    assert runtime.server is not None
    url = f"{runtime.server.url}/operator/api/login"
    body = json.dumps({"operator": "ana", "password": PASSWORD})
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=body, headers={
                "Content-Type": "application/json",
                "Origin": "https://evil.example"}) as response:
            assert response.status == 403 and "Set-Cookie" not in response.headers
        for content_type in ("text/plain", "application/x-www-form-urlencoded"):
            async with http.post(url, data=body,
                                 headers={"Content-Type": content_type}) as response:
                assert response.status == 415 and "Set-Cookie" not in response.headers
        async with http.post(url, data=body, headers={
                "Content-Type": "application/json; charset=utf-8",
                "Origin": runtime.server.url}) as response:
            assert response.status == 200


async def raw_get(runtime: Runtime, path: str, authorization: bytes) -> int:
    """A request written byte for byte (a client library would refuse or re-encode it)."""
    assert runtime.server is not None
    port = int(runtime.server.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Authorization: " + authorization + b"\r\nConnection: close\r\n\r\n")
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_a_bearer_token_must_match_byte_for_byte(runtime: Runtime) -> None:
    token = HELPDESK_TOKEN.encode()
    nbsp = "\u00a0".encode()
    assert await raw_get(runtime, "/operator/api/queue", b"Bearer " + token) == 200
    for near in (b"Bearer " + token + nbsp, b"Bearer " + nbsp + token,
                 b"Bearer " + token + "\u3000".encode(), b"Bearer " + nbsp, b"Bearer  "):
        assert await raw_get(runtime, "/operator/api/queue", near) == 401, near


async def test_a_store_outage_answers_503_not_500(
    operator_settings: Callable[..., Settings], consoles: Any, tmp_path: Path,
) -> None:
    data, port = tmp_path / "valkey", free_port()
    data.mkdir()
    store = start_valkey(data, port)
    settings = operator_settings(store={"url": f"redis://127.0.0.1:{port}/0",
                                        "cluster": False})
    try:
        async with Runtime(settings) as runtime:
            sam = consoles(runtime)
            assert await status(sam.login("sam")) == 200
            store.terminate()
            store.wait(timeout=10)
            assert (await sam.get("/queue"))[0] == 503
            assert (await sam.post("/conversations/someone/take"))[0] == 503
            assert await status(consoles(runtime).login("bo")) == 503
            store = start_valkey(data, port)
            assert (await sam.get("/queue"))[0] == 200, "back once the store is"
    finally:
        store.terminate()
        store.wait(timeout=10)
