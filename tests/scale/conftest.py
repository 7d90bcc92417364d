"""The fault tests' figures (messages sent, replies, lost, doubled, out of order) are
printed at the end of every run, passed or failed, so CI shows them."""

from __future__ import annotations

import pytest

FIGURES: list[str] = []


def record(line: str) -> None:
    FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("fault test figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
