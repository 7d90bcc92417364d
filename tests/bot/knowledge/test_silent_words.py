"""A locale's index remembers the words that ask it about nothing (filler, unknown even at
one edit, question words), so a text made only of them ("where is it?", or a sentence in
another locale's words) is answered "nothing" by one set look-up: that shortcut must
answer what the full reading of the words answers, for every text, whether the words
are met for the first time or remembered, and its memory stays bounded."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.entry import Entry
from bot.knowledge.index import LocaleIndex
from bot.knowledge.text import Analyzer
from tests.bot.knowledge.conftest import DEMO
from tests.bot.knowledge.test_ranking_bound import _texts


def _entries(locale: str) -> list[Entry]:
    base = KnowledgeBase.from_paths([DEMO], locales=["en", "es"])
    return [entry for entry in base.entries() if entry.locale == locale]


@pytest.mark.parametrize("locale", ["en", "es"])
def test_the_shortcut_answers_as_the_full_reading_of_the_words(locale: str) -> None:
    entries = _entries(locale)
    shortcut, full = LocaleIndex(locale, entries), LocaleIndex(locale, entries)
    for text in _texts():
        for above in (0.0, 0.5):  # words met for the first time, then remembered
            full._silent.clear()  # (so that one reads every word, every time)
            assert shortcut.search(text, 3, above) == full.search(text, 3, above), text


def test_a_text_of_silent_words_finds_nothing_and_one_word_that_asks_finds_its_entry() -> None:
    index = LocaleIndex("en", _entries("en"))
    assert index.search("¿dónde está mi pedido?", 3) == []  # Spanish words: unknown here
    assert index.search("¿dónde está mi pedido?", 3) == []  # and now remembered as silent
    assert index.search("where?", 3) == []
    assert {"donde", "esta", "where"} <= index._silent
    found = index.search("where shipping?", 3)
    assert found and "shipping" not in index._silent


def test_the_memory_of_silent_words_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Analyzer, "MEMORY", 50)
    index = LocaleIndex("en", _entries("en"))
    filler = len(index.analyzer.filler)
    for n in range(300):
        assert index.search(f"zzqx{n} where", 3) == []
        assert len(index._silent) <= max(Analyzer.MEMORY, filler) + 1
    assert index.search("how long does shipping take", 3)
