"""A running bot with four operators (two plain, one supervisor, one helpdesk token), a
fake Graph API for WhatsApp, and consoles that are closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.config.settings import Settings
from bot.handoff.passwords import hash_password
from bot.runtime import Runtime
from tests.bot.operator.console import HELPDESK_TOKEN, PASSWORD, Console
from tests.fakes.graph_api import FakeGraphAPI


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphAPI]:
    async with FakeGraphAPI() as fake:
        yield fake


@pytest.fixture
def operator_settings(make_settings: Any, password_hash: str,
                      graph: FakeGraphAPI) -> Callable[..., Settings]:
    """Settings for the bot under test; ``handoff``, ``server``, ``store`` override keys."""

    def build(*, handoff: dict[str, Any] | None = None, server: dict[str, Any] | None = None,
              store: dict[str, Any] | None = None) -> Settings:
        operators = [
            {"id": "ana", "name": "Ana", "password_hash": password_hash, "capacity": 1},
            {"id": "bo", "name": "Bo", "password_hash": password_hash},
            {"id": "sam", "name": "Sam", "role": "supervisor", "password_hash": password_hash},
            {"id": "desk", "name": "Helpdesk", "token": HELPDESK_TOKEN},
        ]
        whatsapp = {"access_token": "wa-token", "phone_number_id": "PNID",
                    "app_secret": "sec", "verify_token": "v", "graph_base": graph.base_url}
        return make_settings(handoff={"operators": operators, "login_attempts": 3,
                                      **(handoff or {})},
                             server={"port": 0, **(server or {})},
                             connectors={"whatsapp": whatsapp}, store=store or {})

    return build


@pytest.fixture
async def runtime(operator_settings: Callable[..., Settings]) -> AsyncIterator[Runtime]:
    async with Runtime(operator_settings()) as rt:
        yield rt


@pytest.fixture
async def consoles(runtime: Runtime) -> AsyncIterator[Any]:
    """Opens a console on ``runtime`` (or on another runtime given)."""
    opened: list[Console] = []

    def open_console(on: Runtime | None = None, **options: Any) -> Console:
        console = Console(on or runtime, **options)
        opened.append(console)
        return console

    yield open_console
    for console in opened:
        await console.close()
