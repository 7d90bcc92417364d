"""A slot pattern that can only match where a digit is is not searched in an ASCII
sentence without one (``bot/understanding/digits.py``): which patterns need a digit, and
that the slot finder with that precheck finds exactly what the plain searches find."""

from __future__ import annotations

import random
import re

import pytest

from bot.understanding.digits import needs_digit
from bot.understanding.slots import SlotFinder, SlotPattern
from bot.understanding.text import words
from tests.bot.understanding.test_slot_finder import _each_in_order  # every slot searched

#: An order number in Arabic-Indic digits, which ``\d`` matches and folded words drop.
ARABIC_INDIC = "A\u0661\u0662\u0663\u0664"


@pytest.mark.parametrize(("pattern", "needs"), [
    (r"(?<![\w])A\d{4}(?![\w])", True),  # the demo's order number, as searched
    (r"A1", True),
    (r"(A|B1)\d+", True),
    (r"(?:x\d|\d{2})", True),  # every branch needs one
    (r"[0-9]{3}", True),
    (r"(?>\d)", True),
    (r"(?x) A \d", True),
    (r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", False),  # an e-mail: no digit needed
    (r"A\d*", False),  # none at all may do
    (r"\d?", False),
    (r"x|\d", False),  # one branch needs none
    (r"[^0-9]", False),
    (r"[\d.]", False),  # a dot alone matches
    (r"(?=\d)\w", False),  # a lookahead proves nothing here (taken as no need)
])
def test_which_patterns_can_only_match_where_a_digit_is(pattern: str, needs: bool) -> None:
    assert needs_digit(re.compile(pattern, re.IGNORECASE)) is needs


def test_the_finder_skipping_digitless_sentences_finds_what_the_searches_find() -> None:
    order = SlotPattern.from_schema("order", {"pattern": r"^A\d{4}$"})
    item = SlotPattern.from_schema("item", {"enum": ["jeans", "hoodie"],
                                            "x-aliases": {"jeans": ["vaqueros"]}})
    mail = SlotPattern.from_schema("mail", {"pattern": r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"})
    code = SlotPattern.from_schema("code", {"pattern": r"^(?:[A-Z]{2}\d|\d{3})$"})
    assert order and item and mail and code
    parts = ["where is A1001", "a1002 and A1003", "return the jeans", "los vaqueros",
             "my order", "ana@example.org", "AB1 or 123", ARABIC_INDIC,
             "¿dónde está?", "A10011", "hoodie", "it's ab12", "", "¿A1005?", "A 1001"]
    rng = random.Random(16)
    texts = parts + [" ".join(rng.sample(parts, rng.randint(1, 3))) for _ in range(1500)]
    for chosen in ([order, item], [mail, order, code], [code, item, mail, order], [item]):
        finder = SlotFinder(chosen)
        for text in texts:
            assert finder.find_in(text, words(text)) == _each_in_order(finder, text), text
    found = SlotFinder([order]).find_in(ARABIC_INDIC, words(ARABIC_INDIC))[0]
    assert found == {"order": ARABIC_INDIC}  # not ASCII: searched, and ``\d`` is Unicode
