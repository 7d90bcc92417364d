"""What ``omnicanal check`` printed wrongly before: an echoed second error for a missing
variable, config.yaml named for another file, "Allowed here:" with nothing after it, and
flow and locale errors without a key path (exit 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.config import parse_settings
from bot.errors import ConfigError

ROOT = Path(__file__).parents[2]


def _problems(raw: dict[str, object]) -> list[str]:
    try:
        parse_settings(raw, env={})
    except ConfigError as exc:
        return exc.problems
    return []


def _check(tmp_path: Path, yaml: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "mine.yaml"
    config.write_text(yaml)
    return subprocess.run([sys.executable, "-m", "bot", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_a_missing_variable_is_one_problem_not_also_a_bad_token() -> None:
    problems = _problems({"flows": {"modules": ["tests.flows_for_tests"]},
                          "connectors": {"telegram": {"token": "${TELEGRAM_TOKEN}"}}})
    assert problems == ["connectors.telegram.token: environment variable TELEGRAM_TOKEN is not "
                        "set. Export it, or give a default with ${TELEGRAM_TOKEN:-value}"]


def test_an_unknown_key_in_a_list_item_lists_what_is_allowed_there() -> None:
    # It said "Allowed here: " with nothing after it.
    problems = _problems({"flows": {"modules": ["m"]},
                          "handoff": {"operators": [{"id": "a", "bogus": 1}]}})
    assert problems == ["handoff.operators.0.bogus: unknown key. Allowed here: id, name, role, "
                        "password_hash, token, capacity, edit_profiles, skills"]


def test_a_flow_module_error_names_the_file_passed_and_exits_2(tmp_path: Path) -> None:
    done = _check(tmp_path, "flows: {modules: [no_such_module_here]}\n")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {tmp_path / 'mine.yaml'} is not valid:\n")
    assert "  - flows.modules[0]: cannot import 'no_such_module_here'" in done.stderr


def test_flow_and_locale_errors_have_their_key_path_and_exit_2(tmp_path: Path) -> None:
    done = _check(tmp_path, "flows: {modules: [tests.flows_for_tests], default: menuu, "
                            "default_locale: fr}\n")
    assert done.returncode == 2, done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert problems[0].startswith("  - flows.default: 'menuu' is not among the loaded flows (")
    assert problems[1] == ("  - flows.default_locale: 'fr' is not in flows.locales (en, es). "
                           "Add it there or choose one of them")
