"""docs/architecture.md and the tests keep each other honest: every numbered invariant is
proved by the tests listed under it, each of them cites it by number (``docs/architecture.md
invariant N``), and no test cites an invariant that is not there."""

from __future__ import annotations

import ast
import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels import Capabilities
from bot.testing import FlowTester

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
CITATION = re.compile(r"docs/architecture\.md\s+invariants?\s+(\d+(?:(?:,\s*|\s+and\s+)\d+)*)")
LISTED = re.compile(r"^\s+- `(tests/[\w/]+\.py)::(\w+)`", re.MULTILINE)


def invariants() -> dict[int, list[tuple[str, str]]]:
    """Invariant number → the (file, test) pairs listed under it."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Invariants", 1)[1].split("\n## ", 1)[0]
    found: dict[int, list[tuple[str, str]]] = {}
    for block in re.split(r"^(?=\d+\. )", section, flags=re.MULTILINE)[1:]:
        number = int(block.split(".", 1)[0])
        found[number] = LISTED.findall(block)
    return found


def cited(text: str) -> set[int]:
    return {int(n) for match in CITATION.finditer(text) for n in re.findall(r"\d+", match[1])}


def source_of(path: Path, name: str) -> str:
    """The test's own lines (with the comments just above it) and its module docstring."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            while first > 0 and lines[first - 1].lstrip().startswith("#"):
                first -= 1
            own = "\n".join(lines[first:node.end_lineno])
            return f"{ast.get_docstring(tree) or ''}\n{own}"
    raise AssertionError(f"{path.relative_to(ROOT)} has no test {name}")


def test_the_invariants_are_numbered_from_one_and_each_lists_its_tests() -> None:
    found = invariants()
    assert sorted(found) == list(range(1, len(found) + 1))
    assert len(found) == 9
    assert all(found[n] for n in found), "an invariant without a test proves nothing"


def test_each_listed_test_exists_and_cites_its_invariant() -> None:
    for number, tests in invariants().items():
        for file, name in tests:
            source = source_of(ROOT / file, name)
            assert number in cited(source), (
                f"{file}::{name} proves invariant {number} but does not cite "
                f"'docs/architecture.md invariant {number}'")


def test_every_citation_in_the_tests_names_an_invariant_that_exists() -> None:
    numbers = set(invariants())
    citing = {}
    for path in (ROOT / "tests").rglob("*.py"):
        if path == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8")
        assert "DESIGN invariant" not in text, f"{path}: cite docs/architecture.md instead"
        if found := cited(text):
            citing[str(path.relative_to(ROOT))] = found
            assert found <= numbers, f"{path}: cites {sorted(found - numbers)}"
    assert set().union(*citing.values()) == numbers, "every invariant is cited by a test"


def python_blocks(doc: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)


async def test_the_flows_guide_example_runs_as_its_tests_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/flows.md's module is a working bot and its FlowTester tests pass."""
    module, _typed_slots, tests = python_blocks(ROOT / "docs" / "flows.md")
    package = tmp_path / "my_bot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "flows.py").write_text(module)
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace: dict[str, Any] = {}
    try:
        exec(compile(tests, "docs/flows.md", "exec"), namespace)
        ran = [name for name in namespace if name.startswith("test_")]
        assert ran == ["test_a_booking", "test_numbered_lists_on_text_only_channels"]
        for name in ran:
            await namespace[name]()
    finally:
        for name in ("my_bot.flows", "my_bot"):
            sys.modules.pop(name, None)


async def test_the_flows_guides_typed_slots_example_runs() -> None:
    """docs/flows.md "Typed slots": the booking reads its date back as a date."""
    _, example, _ = python_blocks(ROOT / "docs" / "flows.md")
    namespace: dict[str, Any] = {}
    exec(compile(example, "docs/flows.md", "exec", dont_inherit=True), namespace)
    day = date.today() + timedelta(days=1)
    async with FlowTester([namespace["booking"]]) as chat:
        await chat.send("/book")
        assert (await chat.send("tomorrow")).text == f"How many on {day:%A}?"
        assert (await chat.send("two")).text == f"2 for dinner on {day:%d %B}."


async def test_the_readme_flow_runs() -> None:
    """The README's flow and both columns of its transcript (buttons, a numbered list)."""
    [example] = python_blocks(ROOT / "README.md")
    namespace: dict[str, Any] = {}
    exec(compile(example, "README.md", "exec", dont_inherit=True), namespace)
    today = date.today()
    friday = today + timedelta(days=(4 - today.weekday() - 1) % 7 + 1)
    async with FlowTester(namespace["FLOWS"]) as chat:
        assert (await chat.send("/hello")).text == "A table for how many?"
        assert (await chat.send("lots")).text == (
            "Please send a whole number, like 2 or two.\nA table for how many?")
        assert (await chat.send("4")).text == "Which day?"
        assert (await chat.send("next Friday")).choices == ["Lunch", "Dinner"]
        assert (await chat.send("dinnr")).text == (
            f"4 people for dinner on {friday:%A %d %B}: booked.")
    async with FlowTester(namespace["FLOWS"], capabilities=Capabilities(max_buttons=0)) as chat:
        await chat.send("/hello")
        await chat.send("four")
        assert "1. Lunch\n2. Dinner" in (await chat.send("tomorrow")).text
        assert (await chat.send("pizza")).text.startswith(
            "Please choose one of the options: type its number or its name.")
        tomorrow = today + timedelta(days=1)
        assert (await chat.send("2")).text == (
            f"4 people for dinner on {tomorrow:%A %d %B}: booked.")
