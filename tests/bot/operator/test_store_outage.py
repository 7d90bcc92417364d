"""The operator console while the store is down: 503 ("try again"), not a 500."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.config import parse_settings
from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from bot.store.embedded import free_port
from tests.conftest import TEST_FLOWS
from tests.servers import start_valkey

PASSWORD = "a long enough secret"


async def test_the_console_answers_503_while_the_store_is_down(tmp_path: Path) -> None:
    """Issue 14: ``OperatorAuth.identify`` let the client's raw error out, so
    ``OperatorApi._guarded``'s 503 branch never fired and the console got a 500."""
    port = free_port()
    server = start_valkey(tmp_path, port)  # its own server: this test stops it
    settings = parse_settings({
        "store": {"url": f"redis://127.0.0.1:{port}/0", "data_dir": str(tmp_path / "data")},
        "server": {"port": 0, "shutdown_timeout": 2},
        "connectors": {"webchat": {"enabled": True}},
        "flows": dict(TEST_FLOWS),
        "handoff": {"operators": [{"id": "ana", "name": "Ana",
                                   "password_hash": hash_password(PASSWORD)}]},
    }, env={})
    try:
        async with Runtime(settings) as rt, aiohttp.ClientSession(
                cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            assert rt.server is not None
            api = f"{rt.server.url}/operator/api"
            login = await http.post(f"{api}/login", json={"operator": "ana",
                                                          "password": PASSWORD},
                                    headers={"Origin": rt.server.url})
            assert login.status == 200
            assert (await http.get(f"{api}/me")).status == 200
            server.terminate()
            server.wait(timeout=10)
            response = await http.get(f"{api}/me")
            assert response.status == 503
            assert "store is unavailable" in (await response.json())["error"]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
