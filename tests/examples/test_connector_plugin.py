"""examples/connector_plugin, installed as a third party installs it: pip builds it into a
directory of its own (with its dist-info, so its entry point is found), config.yaml says
``type: echo``, and a real Runtime serves a conversation on it over real HTTP. Nothing
under bot/ or connectors/ names it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels import registry
from bot.dialogue import Ask, Choice, End, Flow, StepResult, Turn
from bot.runtime import Runtime

PLUGIN = Path(__file__).parents[2] / "examples" / "connector_plugin"
SECRET = "echo-secret"

order = Flow("order")


@order.step
async def ask_size(turn: Turn) -> StepResult:
    return Ask("size", "Which size?", then=confirm,
               choices=[Choice(payload="small", title="Small"),
                        Choice(payload="large", title="Large")])


@order.step
async def confirm(turn: Turn) -> StepResult:
    turn.say(f"One {turn.slots['size']} coffee, coming up.")
    return End()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The plugin pip-installed (offline, no dependencies) into a directory put on
    sys.path for this module's tests only."""
    work = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(PLUGIN, work / "source")  # the build writes beside the source
    target = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target), str(source)],
                   check=True, timeout=120)
    assert (target / "omnicanal_echo-0.1.0.dist-info" / "entry_points.txt").exists()
    # The registry looked before the install (as in a long-lived process): it must look
    # again when a name is not among what it saw.
    assert "echo" not in registry.known_types()
    sys.path.insert(0, str(target))
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        for name in [m for m in sys.modules if m.startswith("omnicanal_echo")]:
            del sys.modules[name]


async def outbox(http: aiohttp.ClientSession, base: str, user: str,
                 count: int) -> list[dict[str, Any]]:
    """The replies waiting for ``user``, fetched over HTTP until ``count`` have arrived."""
    found: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while len(found) < count:
            async with http.get(f"{base}/webhooks/echo/outbox", params={"user": user},
                                headers={"X-Echo-Secret": SECRET}) as answer:
                assert answer.status == 200
                found.extend(await answer.json())
            await asyncio.sleep(0.02)
    return found


async def test_a_plugin_channel_registered_by_entry_point_serves_a_conversation(
    installed: Path, make_settings: Any
) -> None:
    assert registry.connector_class("echo").__name__ == "EchoConnector"
    assert "echo" in registry.known_types()
    settings = make_settings(
        connectors={"webchat": {"enabled": False}, "echo": {"type": "echo", "secret": SECRET}},
        flows={"default": "order"}, linking={"enabled": False}, handoff={"enabled": False})
    async with Runtime(settings, flows=[order]) as runtime, aiohttp.ClientSession() as http:
        assert type(runtime.connectors["echo"]).__module__ == "omnicanal_echo.connector"
        assert runtime.server is not None
        base = runtime.server.url

        def say(message_id: str, text: str, secret: str = SECRET) -> Any:
            return http.post(f"{base}/webhooks/echo", headers={"X-Echo-Secret": secret},
                             json={"user": "ana", "id": message_id, "text": text})

        async with say("m0", "hi", secret="wrong") as refused:
            assert refused.status == 401
        async with say("m1", "hi") as answer:
            assert answer.status == 200
        [question] = await outbox(http, base, "ana", 1)
        # A text-only channel: the renderer turned the buttons into a numbered list.
        assert question["text"] == "Which size?\n\n1. Small\n2. Large"
        async with say("m2", "2") as answer:
            assert answer.status == 200
        [done] = await outbox(http, base, "ana", 1)
        assert done["text"] == "One large coffee, coming up."
        assert done["origin"] == "bot"


async def test_the_plugin_class_can_be_named_by_its_path_too(
    installed: Path, make_settings: Any
) -> None:
    settings = make_settings(connectors={
        "webchat": {"enabled": False},
        "support": {"type": "omnicanal_echo.connector:EchoConnector"}},
        flows={"default": "order"})
    async with Runtime(settings, flows=[order], serve_http=False) as runtime:
        connector = runtime.connectors["support"]
        assert connector.channel == "support"
        assert [r.path for r in connector.routes()] == ["/webhooks/support",
                                                        "/webhooks/support/outbox"]
