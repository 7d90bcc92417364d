"""Dates and numbers in slot answers, read in the customer's locale, on a fixed day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.dialogue.parsing import fold, parse_date, parse_number

TODAY = date(2026, 12, 1)  # a Tuesday


@pytest.mark.parametrize(("locale", "text", "meant"), [
    ("en", "today", date(2026, 12, 1)),
    ("en", "tomorrow", date(2026, 12, 2)),
    ("en", "Tomorrow!", date(2026, 12, 2)),
    ("en", "the day after tomorrow", date(2026, 12, 3)),
    ("en", "next Friday", date(2026, 12, 4)),
    ("en", "friday", date(2026, 12, 4)),
    ("en", "this Tuesday", date(2026, 12, 1)),
    ("en", "next Tuesday", date(2026, 12, 8)),
    ("en", "in 3 days", date(2026, 12, 4)),
    ("en", "in two weeks", date(2026, 12, 15)),
    ("en", "3rd of May", date(2027, 5, 3)),
    ("en", "May 3rd, 2027", date(2027, 5, 3)),
    ("en", "Dec 25", date(2026, 12, 25)),
    ("en", "03/05", date(2027, 3, 5)),  # month first in English
    ("en", "2026-12-24", date(2026, 12, 24)),
    ("es", "hoy", date(2026, 12, 1)),
    ("es", "mañana", date(2026, 12, 2)),
    ("es", "manana", date(2026, 12, 2)),
    ("es", "pasado mañana", date(2026, 12, 3)),
    ("es", "el próximo viernes", date(2026, 12, 4)),
    ("es", "el viernes que viene", date(2026, 12, 4)),
    ("es", "el martes que viene", date(2026, 12, 8)),
    ("es", "el viernes", date(2026, 12, 4)),
    ("es", "dentro de 3 días", date(2026, 12, 4)),
    ("es", "en dos semanas", date(2026, 12, 15)),
    ("es", "3 de mayo", date(2027, 5, 3)),
    ("es", "tres de mayo", date(2027, 5, 3)),
    ("es", "viernes 3 de mayo de 2027", date(2027, 5, 3)),
    ("es", "3 de mar", date(2027, 3, 3)),  # "mar" is March and Tuesday: a day makes it March
    ("es", "03/05", date(2027, 5, 3)),  # day first in Spanish
    ("es", "24/12/26", date(2026, 12, 24)),
    ("es-MX", "mañana", date(2026, 12, 2)),
    ("fr", "3 mai", date(2027, 5, 3)),  # no relative words for French, but its months
])
def test_a_date_is_read_as_the_customer_means_it(locale: str, text: str, meant: date) -> None:
    assert parse_date(text, locale, today=TODAY) == meant


@pytest.mark.parametrize(("locale", "text"), [
    ("en", "hello"), ("en", "two"), ("en", "31/02"), ("en", "someday soon"),
    ("es", "hola"), ("es", "dos"), ("es", "32 de mayo"), ("en", ""),
])
def test_what_is_not_a_date_is_none(locale: str, text: str) -> None:
    assert parse_date(text, locale, today=TODAY) is None


@pytest.mark.parametrize(("locale", "text", "meant"), [
    ("en", "4", Decimal(4)),
    ("en", "two", Decimal(2)),
    ("en", "Twenty-one", Decimal(21)),
    ("en", "one hundred and five", Decimal(105)),
    ("en", "for 4 people", Decimal(4)),
    ("en", "1,000", Decimal(1000)),
    ("en", "2.5", Decimal("2.5")),
    ("es", "dos", Decimal(2)),
    ("es", "veintidós", Decimal(22)),
    ("es", "treinta y dos", Decimal(32)),
    ("es", "ciento veinte", Decimal(120)),
    ("es", "somos cuatro", Decimal(4)),
    ("es", "una mesa para cuatro", Decimal(4)),
    ("es", "2,5", Decimal("2.5")),  # the decimal comma
    ("es", "1.000", Decimal(1000)),
    ("es", "1.000,5", Decimal("1000.5")),
    ("en", "1,000.5", Decimal("1000.5")),
    ("es", "una", Decimal(1)),
])
def test_a_number_is_read_in_the_customers_locale(locale: str, text: str,
                                                  meant: Decimal) -> None:
    assert parse_number(text, locale) == meant


@pytest.mark.parametrize(("locale", "text"), [
    ("en", "2 or 3"), ("en", "lots"), ("en", "one twenty"), ("en", "2,5"), ("es", "muchos"),
    ("en", ""),
])
def test_what_is_not_one_number_is_none(locale: str, text: str) -> None:
    assert parse_number(text, locale) is None


def test_folding_ignores_case_accents_and_punctuation() -> None:
    assert fold("¡Sí, VALE!") == "si vale"
    assert fold("Devolución_rápida") == "devolucion rapida"
