"""The shipped config.yaml runs the demo, and says so: the framework names no flows."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_settings

CONFIG = Path(__file__).parents[2] / "config.yaml"


def test_the_shipped_config_names_the_demo_flows() -> None:
    settings = load_settings(CONFIG, env={})
    assert settings.flows.modules == ["flows.store_assistant"]
    assert settings.flows.default == "menu"


def test_check_command_accepts_the_shipped_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-c", str(CONFIG)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{CONFIG}: OK"
    assert ("  flows: catalogue, contact_email, human, menu, offers, order_status, returns, "
            "satisfaction (default: menu)") in out
    assert "  connectors: webchat" in out
    assert "  knowledge: 26 entries (13 en, 13 es)" in out


def test_with_no_config_at_all_the_cli_runs_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no config.yaml here
    assert main(["check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert ("  flows: catalogue, contact_email, human, menu, offers, order_status, returns, "
            "satisfaction (default: menu)") in out
    assert "  knowledge: 26 entries (13 en, 13 es)" in out  # found wherever it is installed
