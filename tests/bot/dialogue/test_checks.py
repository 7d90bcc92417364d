"""Flows checked at load (bot/dialogue/checks.py): each mistake a developer makes is found
by ``omnicanal check``, named by module, flow and step, with the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.dialogue import Ask, Choice, End, Flow, StepResult, Turn, payload
from bot.dialogue.checks import Where, check_flows
from bot.dialogue.loading import load_flow_modules, loaded_flows
from bot.errors import ConfigError
from tests.bot.dialogue import mistaken_flows

ROOT = Path(__file__).parents[3]
MODULE = "tests.bot.dialogue.mistaken_flows"


def _problems() -> list[str]:
    flows, where = loaded_flows([MODULE])
    return check_flows(flows, where=where)


def _line(text: str) -> int:
    source = Path(mistaken_flows.__file__).read_text().splitlines()
    return next(i for i, line in enumerate(source, 1) if text in line)


@pytest.mark.parametrize(("step", "line", "expected"), [
    ("plain", None, "is a plain def. Write it as 'async def plain(turn: Turn) -> StepResult'"),
    ("ask", 'Ask("szie"', "Ask('szie') asks into a slot the flow does not declare (declared: "
                          "size). Add 'szie' to the flow's slots= with its type"),
    ("when", 'then="confirm"', "Ask names step 'confirm', which flow 'booking' does not have "
                               "(its steps: plain, ask, when, more)"),
    ("when", 'book.whenn', "turn.t('book.whenn') names a text found in no locale"),
    ("when", 'Choice("09:00")', "Choice takes keyword arguments, payload (what comes back) and "
                                "title (what the customer sees): write "
                                "Choice(payload='09:00', title='09:00')"),
    ("more", "Goto(forgotten)", "Goto goes to forgotten(), which is not a step of flow "
                                "'booking'. Register it: put @booking.step above "
                                "'async def forgotten'"),
    ("more", "Goto(elsewhere)", "Goto goes to elsewhere(), a step of flow 'other': steps go to "
                                "steps of their own flow. Use Call('other', then=...)"),
    ("more", 'Call("contacts"', "Call('contacts') names no loaded flow. Known flows: booking, "
                                "other"),
    ("more", 'Start("menuu")', "Start('menuu') names no loaded flow"),
    ("elsewhere", 'choices=["a"', "choices= holds plain values; offer "
                                  "Choice(payload=\"...\", title=\"...\") objects"),
    ("elsewhere", 'choices=["a"', "Ask goes to ask(), a step of flow 'booking'"),
])
def test_each_mistake_is_reported_with_module_flow_step_line_and_fix(
    step: str, line: str | None, expected: str,
) -> None:
    flow = "other" if step == "elsewhere" else "booking"
    at = f" (line {_line(line)})" if line else ""
    prefix = f"flows.modules[0] ({MODULE}): flow {flow!r}, step {step!r}{at}: "
    found = [p for p in _problems() if p.startswith(prefix) and expected in p]
    assert found, f"no {prefix}...{expected}... among:\n" + "\n".join(_problems())


def test_nothing_else_is_reported_for_the_mistaken_flows() -> None:
    assert len(_problems()) == 11


def test_the_shipped_demo_and_the_test_flows_pass_the_checks() -> None:
    for module in ("flows.store_assistant", "tests.flows_for_tests"):
        flows, _ = loaded_flows([module])
        assert check_flows(flows, locales=("en", "es")) == [], module


def test_a_payload_two_flows_share_is_reported() -> None:
    first, second = Flow("first", triggers=payload("go")), Flow("second", triggers=payload("go"))

    async def step(turn: Turn) -> StepResult:
        return End()

    first.step(step)
    second.step(step)
    assert check_flows([first, second], where={"second": Where("flows.modules[1]", "m")}) == [
        "flow 'second': its trigger payload('go') is also flow 'first''s, so only 'first' ever "
        "starts from it. Give each flow its own payload"]


def test_an_ask_with_choices_needs_no_declared_slot() -> None:
    flow = Flow("f", slots={"size": int})

    @flow.step
    async def pick(turn: Turn) -> StepResult:
        return Ask("colour", "Which?", then=pick, choices=[Choice(payload="r", title="Red")])

    assert check_flows([flow]) == []


def test_a_module_that_fails_to_import_is_named_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken_flows.py").write_text(
        "from bot.dialogue import Choice\nMENU = [Choice('09:00')]\n")
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(ConfigError) as caught:
            load_flow_modules(["broken_flows"])
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("broken_flows", None)
    assert caught.value.problems == [
        f"flows.modules[0] (broken_flows): importing it failed: {tmp_path / 'broken_flows.py'}, "
        "line 2: TypeError: Choice takes keyword arguments, payload (what comes back) and title "
        "(what the customer sees): write Choice(payload='09:00', title='09:00')"]


def test_a_project_package_named_flows_is_told_to_rename() -> None:
    with pytest.raises(ConfigError) as caught:
        load_flow_modules(["flows.booking"])
    assert "'flows' is Omnicanal's own package name" in caught.value.problems[0]


def test_check_reports_them_all_naming_the_file_passed_and_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "mine.yaml"
    config.write_text(f"flows: {{modules: [{MODULE}]}}\n")
    done = subprocess.run([sys.executable, "-m", "bot", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {config} is not valid:\n")
    assert "Traceback" not in done.stderr
    assert done.stderr.count(f"  - flows.modules[0] ({MODULE}): flow ") == 11


def test_flow_tester_on_a_module_fails_with_the_same_problems() -> None:
    from bot.testing import FlowTester

    with pytest.raises(ConfigError) as caught:
        FlowTester(MODULE)
    assert caught.value.problems[:11] == _problems()
