"""What ``connectors.<name>.type`` may name, and the one-line config error for each way it
can be wrong (never a traceback)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.channels import registry
from bot.cli import main
from bot.config import parse_settings
from bot.errors import ConfigError
from connectors.webchat.connector import WebChatConnector
from tests.conftest import TEST_FLOWS as FLOWS


def test_built_in_types_are_registered_by_entry_point() -> None:
    assert {"webchat", "console", "telegram", "telegram_ptb", "whatsapp", "messenger"} <= set(
        registry.known_types())
    assert registry.connector_class("webchat") is WebChatConnector


def test_a_class_path_names_a_connector_without_registration() -> None:
    settings = parse_settings({"flows": FLOWS, "connectors": {
        "webchat": {"enabled": False}, "site": {
        "type": "connectors.webchat.connector:WebChatConnector", "page": False}}}, env={})
    connector = registry.build("site", settings.connectors["site"])
    assert isinstance(connector, WebChatConnector) and connector.channel == "site"


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two modules of a user's own: one that fails on import, one that needs a package
    that is not installed."""
    (tmp_path / "broken_channel.py").write_text("raise RuntimeError('boom at import')\n")
    (tmp_path / "needy_channel.py").write_text("import no_such_sdk_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(("kind", "says"), [
    ("no_such_package.channel:EchoConnector",
     "module 'no_such_package.channel' not found. Install the package"),
    ("bot.errors:NoSuchConnector", "module 'bot.errors' has no 'NoSuchConnector'"),
    ("bot.errors:BotError", "is not a connector: a connector is a class that subclasses "
                            "bot.channels.BaseConnector"),
    ("bot.channels:BaseConnector", "is abstract: implement send"),
    ("broken_channel:Channel", "importing 'broken_channel' failed: RuntimeError: boom"),
    ("needy_channel:Channel", "needs 'no_such_sdk_xyz', which is not installed"),
    ("not a path:", "is not a class path: write package.module:Class"),
    ("webhat", "unknown connector type 'webhat'. Did you mean 'webchat'?"),
])
def test_omnicanal_check_names_the_key_of_a_bad_type_in_one_line(
    kind: str, says: str, modules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(textwrap.dedent(f"""\
        flows:
          modules: [tests.flows_for_tests]
        connectors:
          webchat:
            enabled: true
          mine:
            type: "{kind}"
        """))
    assert main(["check", "-c", str(config)]) == 2
    err = capsys.readouterr().err
    problems = [line for line in err.splitlines() if line.startswith("  - ")]
    assert problems == [problems[0]] and problems[0].startswith("  - connectors.mine.type: ")
    assert says in problems[0]
    assert "Traceback" not in err


def test_a_disabled_section_imports_nothing_but_its_type_must_exist() -> None:
    parse_settings({"flows": FLOWS, "connectors": {"later": {"enabled": False,
                                             "type": "not_installed_yet.channel:Thing"}}}, env={})
    with pytest.raises(ConfigError) as caught:
        parse_settings({"flows": FLOWS, "connectors": {"telgram": {"enabled": False}}}, env={})
    [problem] = caught.value.problems
    assert problem.startswith("connectors.telgram: unknown connector type 'telgram'.")


def test_a_web_chat_only_bot_never_imports_a_telegram_sdk() -> None:
    """Even with a Telegram section switched off in config.yaml (a fresh process: the
    test session itself has imported both SDKs)."""
    program = textwrap.dedent("""\
        import sys
        from bot.channels import registry
        from bot.config import parse_settings
        settings = parse_settings({"flows": {"modules": ["tests.flows_for_tests"]},
                                   "connectors": {
            "webchat": {"enabled": True},
            "telegram": {"enabled": False, "token": "1:x"}}}, env={})
        built = [registry.build(n, s) for n, s in settings.enabled_connectors().items()]
        assert [c.channel for c in built] == ["webchat"]
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("aiogram", "telegram"))
        print(loaded)
        """)
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                            check=True, timeout=60, cwd=Path(__file__).parents[3])
    assert result.stdout.strip() == "[]"
