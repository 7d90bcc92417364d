"""The note's confidence figures, worked out without decimal conversions, are exactly
``round(confidence, 3)`` and ``f"{confidence:.0%}"`` (the history's bytes and the
operator's transcript depend on them), halves and their neighbours included."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.understanding.describe import confidence_figures


def expected(confidence: float) -> tuple[str, str]:
    return repr(round(confidence, 3)), f"{confidence:.0%}"


def got(confidence: float) -> tuple[str, str]:
    thousandths, percent = confidence_figures(confidence)
    return repr(thousandths), percent


def near(value: float, steps: int = 4) -> list[float]:
    """``value`` and the floats just below and above it."""
    around = [value]
    for direction in (math.inf, -math.inf):
        x = value
        for _ in range(steps):
            x = math.nextafter(x, direction)
            around.append(x)
    return around


HALVES = [x for k in range(1000) for x in near((k + 0.5) / 1000)] + [
    x for k in range(100) for x in near((k + 0.5) / 100)]


@pytest.mark.parametrize("confidence", [1.0, 0.9, 0.858226, 5e-324, 0.0005, 0.125, 0.995])
def test_the_figures_of_a_confidence(confidence: float) -> None:
    assert got(confidence) == expected(confidence)


def test_every_half_and_its_neighbours() -> None:
    assert [c for c in HALVES if got(c) != expected(c)] == []


@pytest.mark.parametrize("confidence", [0.0, -0.0, 1.5, -0.25, math.nan, math.inf, 1e300])
def test_outside_zero_to_one_the_builtins_decide(confidence: float) -> None:
    assert got(confidence) == expected(confidence)


@given(st.floats(min_value=0.0, max_value=1.0) | st.floats(allow_nan=True))
def test_any_confidence(confidence: float) -> None:
    assert got(confidence) == expected(confidence)
