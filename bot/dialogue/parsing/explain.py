"""What to tell a customer whose answer did not validate, in their language.

pydantic's messages ("Input should be a valid date or datetime, input is too short") are
written for developers, in English; a customer gets instead a text of the catalogue
(``bot/dialogue/texts.py``, keys ``engine.invalid*``), as specific as the error allows: a
date, a number, a number out of range, a length, a format. A flow's ``Ask(error=...)`` still
wins over all of these, and a flow may override any key in its own ``texts``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from bot.dialogue.parsing.numbers import babel_locale
from bot.dialogue.slots import ValueKind

_BOUNDS = {"greater_than_equal": ("ge", "min"), "greater_than": ("gt", "above"),
           "less_than_equal": ("le", "max"), "less_than": ("lt", "below")}
_LENGTHS = {"string_too_short": ("min_length", "engine.invalid_too_short"),
            "string_too_long": ("max_length", "engine.invalid_too_long")}
_NUMBER_ERRORS = ("int_", "float_", "decimal_", "multiple_of", "finite_number")


def explain(error: ValidationError, kind: ValueKind | None,
            locale: str | None) -> tuple[str, dict[str, object]]:
    """The text key (and its values) that tells the customer what was wrong."""
    problems = error.errors(include_url=False)
    if not problems:
        return "engine.invalid", {}
    problem = problems[0]
    kind_of_error = str(problem["type"])
    context: dict[str, Any] = dict(problem.get("ctx") or {})
    if kind_of_error in _BOUNDS:
        name, which = _BOUNDS[kind_of_error]
        limit = context.get(name)
        if kind == "date" and isinstance(limit, str):
            limit = _iso_date(limit)  # pydantic gives a date bound as text
        if isinstance(limit, date):
            return f"engine.invalid_date_{which}", {"limit": _date_text(limit, locale)}
        if isinstance(limit, (int, float, Decimal)):
            return f"engine.invalid_number_{which}", {"limit": _number_text(limit, locale)}
    if kind_of_error in _LENGTHS:
        name, key = _LENGTHS[kind_of_error]
        return key, {"limit": context.get(name, "")}
    if kind == "date" or kind_of_error.startswith("date"):
        return "engine.invalid_date", {}
    if kind in ("integer", "number") or kind_of_error.startswith(_NUMBER_ERRORS):
        whole = kind == "integer" or kind_of_error.startswith("int")
        return ("engine.invalid_whole_number" if whole else "engine.invalid_number"), {}
    if kind_of_error == "string_pattern_mismatch":
        return "engine.invalid_format", {}
    if kind_of_error in ("literal_error", "enum"):
        return "engine.invalid_option", {}
    return "engine.invalid", {}


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _date_text(value: date, locale: str | None) -> str:
    from babel.dates import format_date

    return format_date(value, format="long", locale=babel_locale(locale))


def _number_text(value: float | Decimal, locale: str | None) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=babel_locale(locale))
