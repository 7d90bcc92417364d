"""Whether a slot's pattern can only match where a digit is: a precheck that spares the
regular expression on most sentences.

A slot pattern is searched anywhere in a sentence, case-insensitively and between
non-word characters (``slots.SlotPattern``), and Python's ``re`` tries that at every
position of the text: about 2.5 µs for the demo's order number (``A\\d{4}``) in a
60-letter sentence, on every free-text message, although most sentences hold no digit
at all. Every match of such a pattern holds a digit, so a sentence without one cannot
match: for an ASCII text, whose digits are all in its folded words
(``text.words``), that is one ``str.isalpha`` over the words.

Whether every match holds a digit is read from the pattern itself, with the standard
library's own parser of regular expressions (``re._parser``, which ``re.compile`` uses):
a required ``\\d``, a digit written out, a class of digits only, or a group, a repeat
(at least once) or every branch of an alternative that requires one. Anything else
(a lookaround, an optional part, an unknown construct) is taken as requiring nothing,
so the precheck can only ever skip a search that would have found nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as codes  # type: ignore[attr-defined]
from re import _parser as parser  # type: ignore[attr-defined]  # no stubs; stdlib 3.11+
from typing import Any

_DIGITS = range(ord("0"), ord("9") + 1)
_REPEATS = {codes.MAX_REPEAT, codes.MIN_REPEAT, codes.POSSESSIVE_REPEAT}


def needs_digit(pattern: re.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` holds a digit (a Unicode one for ``\\d``)."""
    try:
        parsed = parser.parse(pattern.pattern, pattern.flags)
    except re.error:  # (it compiled, so it parses: only a future parser could differ)
        return False
    return _requires(parsed)


def _requires(items: Iterable[tuple[Any, Any]]) -> bool:
    """Whether a sequence of parsed items requires a digit: any one of them does."""
    return any(_item_requires(op, value) for op, value in items)


def _item_requires(op: Any, value: Any) -> bool:
    if op is codes.LITERAL:
        return value in _DIGITS
    if op is codes.IN:
        return bool(value) and all(_digit_only(member, arg) for member, arg in value)
    if op in _REPEATS:
        least, _, body = value
        return least >= 1 and _requires(body)
    if op is codes.SUBPATTERN:
        return _requires(value[-1])
    if op is codes.ATOMIC_GROUP:
        return _requires(value)
    if op is codes.BRANCH:
        return all(_requires(branch) for branch in value[1])
    return False


def _digit_only(member: Any, arg: Any) -> bool:
    """Whether a member of a character class matches digits only."""
    if member is codes.CATEGORY:
        return arg is codes.CATEGORY_DIGIT
    if member is codes.LITERAL:
        return arg in _DIGITS
    if member is codes.RANGE:
        return arg[0] in _DIGITS and arg[1] in _DIGITS
    return False  # NEGATE and every other member: not digits only
