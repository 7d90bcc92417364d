"""A console as a browser uses it (its own cookie jar), and a customer who reaches the
queue over a real WhatsApp webhook: shared by the operator API tests."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.messages import Identity
from bot.runtime import Runtime
from tests.fakes import meta_webhooks as hooks

PASSWORD = "a long enough secret"
HOSTILE = "<img src=x onerror=alert(1)>"
HELPDESK_TOKEN = "helpdesk-token-123"


class Console:
    """One operator's browser: its own cookie jar; ``forwarded_for`` poses as a client
    behind a reverse proxy (sent as X-Forwarded-For)."""

    def __init__(self, runtime: Runtime, *, forwarded_for: str | None = None) -> None:
        assert runtime.server is not None
        self.base = runtime.server.url
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                          headers=headers)
        self.csrf = ""

    async def login(self, operator: str, password: str = PASSWORD) -> aiohttp.ClientResponse:
        response = await self.http.post(f"{self.base}/operator/api/login",
                                        json={"operator": operator, "password": password})
        if response.status == 200:
            self.csrf = (await response.json())["csrf"]
        return response

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.base}/operator/api{path}") as response:
            return response.status, await response.json()

    async def post(self, path: str, body: dict[str, Any] | None = None, *,
                   csrf: bool = True) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        async with self.http.post(f"{self.base}/operator/api{path}", json=body or {},
                                  headers=headers) as response:
            return response.status, await response.json() if response.status != 204 else {}

    async def close(self) -> None:
        await self.http.close()


async def whatsapp_customer(runtime: Runtime, text: str, wa_id: str = "34600123123") -> str:
    assert runtime.server is not None
    body, headers = hooks.signed_delivery(hooks.whatsapp_text(wa_id=wa_id, text=text), "sec")
    async with aiohttp.ClientSession() as http, http.post(
            f"{runtime.server.url}/webhooks/whatsapp", data=body, headers=headers) as response:
        assert response.status == 200
    await runtime.settle()
    return await runtime.store.resolve(Identity(channel="whatsapp", account="PNID",
                                                user_id=wa_id))
