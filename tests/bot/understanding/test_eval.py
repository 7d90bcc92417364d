"""``omnicanal eval``: the demo's labelled utterances pass with the built-in provider, a
run under ``--min-accuracy`` exits 1, and a malformed file is a clear error (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[3]
DEMO_EVAL = ROOT / "flows" / "store_assistant" / "eval.yaml"
CONFIG = ROOT / "config.yaml"


def test_the_demo_scores_at_least_ninety_percent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(DEMO_EVAL), "-c", str(CONFIG)]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split("intent accuracy: ")[1].split("%")[0])
    assert accuracy >= 90.0, out
    assert "returns" in out and "slot accuracy:" in out
    labelled = DEMO_EVAL.read_text(encoding="utf-8")
    assert labelled.count("- {text:") >= 150
    assert labelled.count("locale: es") * 2 >= labelled.count("- {text:"), "half Spanish"


def test_under_the_minimum_accuracy_it_exits_one(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("utterances:\n"
                     "  - {text: 'where is my order', locale: en, intent: returns}\n"
                     "  - {text: 'I want to talk to a human', locale: en, intent: human}\n",
                     encoding="utf-8")
    assert main(["eval", str(wrong), "-c", str(CONFIG), "--min-accuracy", "0.9"]) == 1
    captured = capsys.readouterr()
    assert "returns → order_status: 1" in captured.out
    assert "FAILED: intent accuracy 50.0% is under --min-accuracy 90%" in captured.err
    assert main(["eval", str(wrong), "-c", str(CONFIG), "--min-accuracy", "0.5"]) == 0


def test_a_malformed_file_names_the_entry(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("utterances:\n  - {locale: en, intent: human}\n", encoding="utf-8")
    assert main(["eval", str(bad), "-c", str(CONFIG)]) == 2
    assert "utterances[0]: needs 'text' and 'intent' strings" in capsys.readouterr().err
