"""Numbers as customers write them: "4", "2,5" in Spanish, "two", "veintidós", "for 4".

Digits are read with the locale's own decimal sign and group separator, from ``babel`` (the
Unicode CLDR data, shipped inside the package, so it works offline): "2,5" is two and a
half in Spanish and an error in English, "1.000" is a thousand in Spanish. ``babel`` is a
runtime dependency because the core uses it here and in ``bot.dialogue.parsing.dates``;
its import costs about 50 ms once, and a locale's data about 5 ms on first use. The
symbols are read once per locale (``babel.numbers.parse_decimal`` looks the locale up on
every call: about 190 µs an answer, measured), and plain digits ("4") need no locale.
Parsing is done only for slots typed as numbers, so other answers pay nothing.

Number words come from small tables for the locales that have one (English and Spanish,
0 to 999), enough for "how many people?" and "which day of the month?". A locale without
a table still gets digits.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from bot.dialogue.parsing.folding import words

_EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
             "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ES_UNITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve",
             "diez", "once", "doce", "trece", "catorce", "quince", "dieciseis", "diecisiete",
             "dieciocho", "diecinueve", "veinte", "veintiuno", "veintidos", "veintitres",
             "veinticuatro", "veinticinco", "veintiseis", "veintisiete", "veintiocho",
             "veintinueve"]
_ES_TENS = ["treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"]
_ES_HUNDREDS = ["ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos",
                "seiscientos", "setecientos", "ochocientos", "novecientos"]


def _table(units: list[str], tens: list[str], first_ten: int) -> dict[str, int]:
    table = {word: value for value, word in enumerate(units)}
    table.update({word: (first_ten + i) * 10 for i, word in enumerate(tens)})
    return table


#: Word → value, per language; "hundred" (en) multiplies, "y" / "and" join.
WORDS: dict[str, dict[str, int]] = {
    "en": {**_table(_EN_UNITS, _EN_TENS, 2), "a": 1, "an": 1},
    "es": {**_table(_ES_UNITS, _ES_TENS, 3), "un": 1, "una": 1, "veintiun": 21,
           "veintiuna": 21, "cien": 100,
           **{word: (i + 1) * 100 for i, word in enumerate(_ES_HUNDREDS)},
           **{word[:-2] + "as": (i + 2) * 100 for i, word in enumerate(_ES_HUNDREDS[1:])}},
}
_MULTIPLIERS = {"hundred": 100}
_JOINERS = {"and", "y"}
#: Words that are numbers only when they are the whole answer ("a table" is not "1 table").
_ARTICLES = {"a", "an", "un", "una"}
_NUMBER_TOKEN = re.compile(r"^[+-]?\d[\d.,\u00a0\u202f'\u2019]*$")
_PLAIN = re.compile(r"^[+-]?\d+$")


def language(locale: str | None) -> str:
    """The language part of a locale: "es-ES", "es_ES" → "es"."""
    return (locale or "en").replace("_", "-").split("-")[0].lower()


def parse_number(text: str, locale: str | None) -> Decimal | None:
    """The number in ``text``, read in ``locale``; None when there is none, or more than
    one ("2 or 3" is not an answer to "how many?")."""
    stripped = text.strip()
    if not stripped:
        return None
    whole = _digits(stripped, locale)
    if whole is not None:
        return whole
    table = WORDS.get(language(locale), {})
    tokens = words(stripped)
    spelled = spelled_number(tokens, table)
    if spelled is not None:
        return Decimal(spelled)
    return _the_one_number(stripped, tokens, table, locale)


def spelled_number(tokens: list[str], table: dict[str, int]) -> int | None:
    """The value of number words ("twenty one", "ciento veinte"), or None if any token is
    not part of a number. Each part must be smaller than the one before it, so "one
    twenty" is not 21."""
    if not tokens or not table:
        return None
    total, last = 0, None
    for token in tokens:
        if token in _JOINERS and last is not None:
            continue
        if token in _MULTIPLIERS and last is not None and total < 100:
            total *= _MULTIPLIERS[token]
            last = total
            continue
        value = table.get(token)
        if value is None or (last is not None and value >= last) or (
                token in _ARTICLES and len(tokens) > 1 and last is None
                and tokens[1] not in _MULTIPLIERS):
            return None
        total += value
        last = value
    return total


def _the_one_number(text: str, tokens: list[str], table: dict[str, int],
                    locale: str | None) -> Decimal | None:
    """A single number among other words: "for 4 people", "somos cuatro"."""
    found: list[Decimal] = []
    for raw in text.split():
        value = _digits(raw.strip(".,;:!?¡¿()"), locale)
        if value is not None:
            found.append(value)
    found.extend(Decimal(table[t]) for t in tokens if t in table and t not in _ARTICLES)
    return found[0] if len(found) == 1 else None


def _digits(text: str, locale: str | None) -> Decimal | None:
    """Digits with the locale's decimal sign and, if any, groups of three ("1.000,5" in
    es, "1,000.5" in en); anything else (as "2,5" in English) is not a number."""
    if _PLAIN.match(text):
        return Decimal(text)  # nearly every answer: no locale data needed
    if not _NUMBER_TOKEN.match(text):
        return None
    decimal_sign, group_sign = _symbols(locale)
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("+-").partition(decimal_sign)
    groups = whole.split(group_sign)
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:])):
        return None
    digits = "".join(groups)
    if not digits.isdigit() or (fraction and not fraction.isdigit()):
        return None
    return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")


@lru_cache(maxsize=64)
def _symbols(locale: str | None) -> tuple[str, str]:
    """The locale's decimal sign and group separator, read from babel once."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    name = babel_locale(locale)
    return get_decimal_symbol(name), get_group_symbol(name)


@lru_cache(maxsize=64)
def babel_locale(locale: str | None) -> str:
    """``locale`` as babel names it ("es-ES" → "es_ES"), or "en" when babel has no data
    for it (a bot's own locale code), so a parse never fails on the locale alone."""
    from babel import Locale, UnknownLocaleError

    name = (locale or "en").replace("-", "_")
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return "en"
    return name
