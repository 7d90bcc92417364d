"""The ``omnicanal`` command as a new user meets it, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Runs the real command with the SDK's import failing, as on a machine where the extra was
# never installed (None in sys.modules makes ``import aiogram`` raise ModuleNotFoundError).
WITHOUT_SDK = ("import sys; sys.modules[{module!r}] = None; from bot.cli import main; "
               "sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize(("command", "kind", "module"), [
    ("check", "telegram", "aiogram"),
    ("run", "telegram", "aiogram"),
    ("check", "telegram_ptb", "telegram"),
])
def test_a_connector_without_its_extra_says_which_to_install_in_one_line(
    tmp_path: Path, command: str, kind: str, module: str,
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"""
store: {{url: "redis://127.0.0.1:1/0"}}
server: {{port: 0}}
flows: {{modules: [tests.flows_for_tests]}}
connectors:
  webchat: {{enabled: true}}
  telegram: {{type: {kind}, token: "123456:{'A' * 35}", mode: polling}}
""")
    done = subprocess.run([sys.executable, "-c", WITHOUT_SDK.format(module=module), command,
                           "-c", str(config)], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert problems == [f"  - connectors.telegram.type: needs the '{module}' package, which is not "
                        "installed. Install it with: pip install 'omnicanal[telegram]'"]
