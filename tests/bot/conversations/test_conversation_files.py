"""Conversation tests without Python (bot/conversations): run by ``omnicanal test`` and
collected by pytest, once per channel profile, failing with the turn, expected and got."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import yaml

from bot.conversations.files import run_files

ROOT = Path(__file__).parents[3]
DEMO = ROOT / "tests" / "conversations"

WRONG = """\
name: a wrong expectation
flows: [flows.store_assistant]
profiles: [buttons, text]
turns:
  - send: /return
  - send: A1001
    channel: whatsapp
    expect: {text: Which colour, step: ask_item, slots: {order: A1002}}
"""

RIGHT = """\
name: a return moves to SMS
flows: [flows.store_assistant]
profiles: [buttons, lists, text]
turns:
  - send: /return
  - send: A1001
    channel: sms
    expect: {text: Which item, flow: returns, slots: {order: A1001}}
  - press: Slim jeans
    channel: sms
    expect: {slots: {item: jeans}, step: ask_reason}
"""


def test_a_failure_names_the_turn_and_what_was_expected_and_got(tmp_path: Path) -> None:
    (tmp_path / "wrong.convo.yaml").write_text(WRONG)
    out = io.StringIO()
    assert run_files([tmp_path], out=out) == 1
    report = out.getvalue()
    assert "FAIL  " in report and "0 passed, 2 failed" in report
    assert ("turn 2 (send 'A1001' on whatsapp, profile text):\n"
            "  - expected the text to contain 'Which colour'\n"
            "  - expected step 'ask_item', got 'check_order'\n"
            "  - expected slot 'order' = 'A1002', got 'A1001'\n"
            "  got:\n"
            "    | Hi again, continuing here on WhatsApp.\n"
            "    | Which item do you want to return?\n") in report
    assert "    | 2. Slim jeans" in report  # the text-only profile's numbered list


def test_a_press_on_a_text_only_profile_types_the_number(tmp_path: Path) -> None:
    (tmp_path / "right.convo.yaml").write_text(RIGHT)
    out = io.StringIO()
    assert run_files([tmp_path], out=out) == 0, out.getvalue()
    assert "3 passed, 0 failed" in out.getvalue()


def test_a_malformed_file_names_its_key_path(tmp_path: Path) -> None:
    (tmp_path / "bad.convo.yaml").write_text(
        "name: x\nturns:\n  - send: hi\n    press: Menu\n  - sned: hi\n")
    out = io.StringIO()
    assert run_files([tmp_path], out=out) == 1
    assert "turns.0: Value error, give send: (a text) or press: (a choice's title)" in \
        out.getvalue()
    assert "turns.1.sned: Extra inputs are not permitted" in out.getvalue()


def test_the_command_exits_1_on_a_failure_and_2_when_nothing_is_found(tmp_path: Path) -> None:
    (tmp_path / "wrong.convo.yaml").write_text(WRONG)
    failed = subprocess.run([sys.executable, "-m", "bot", "test", str(tmp_path)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert failed.returncode == 1 and "expected step 'ask_item'" in failed.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = subprocess.run([sys.executable, "-m", "bot", "test", str(empty)],
                             capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert nothing.returncode == 2


def test_pytest_collects_one_test_per_profile_and_shows_the_failing_turn(
        tmp_path: Path) -> None:
    (tmp_path / "right.convo.yaml").write_text(RIGHT)
    (tmp_path / "wrong.convo.yaml").write_text(WRONG)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
                           "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
                          capture_output=True, text=True, timeout=90, cwd=ROOT)
    assert "2 failed, 3 passed" in done.stdout, done.stdout
    assert "wrong.convo.yaml, a wrong expectation[text]: turn 2 (send 'A1001'" in done.stdout


def test_the_demo_ships_ten_covering_channel_switches_and_handoff() -> None:
    files = sorted(DEMO.glob("*.convo.yaml"))
    assert len(files) >= 10
    specs = [yaml.safe_load(f.read_text()) for f in files]
    switching = [s for s in specs
                 if len({t.get("channel", "webchat") for t in s["turns"]}) > 1]
    assert len(switching) >= 3
    assert sum(any("handoff" in t.get("expect", {}) for t in s["turns"]) for s in specs) >= 2
    assert {"buttons", "lists", "text"} <= {p for s in specs for p in s.get("profiles", [])}
