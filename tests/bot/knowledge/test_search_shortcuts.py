"""Two shortcuts of a locale's index that must not change an answer.

A locale's index remembers the words that ask it about nothing (filler, unknown even at
one edit, question words), so a text made only of them ("where is it?", or a sentence in
another locale's words) is answered "nothing" by one set look-up: that shortcut must
answer what the full reading of the words answers, for every text, whether the words
are met for the first time or remembered, and its memory stays bounded.

The bounds that skip entries count what an entry can cover of the text: a text with
words no entry knows (another language's, typos beyond one edit) covers less, so fewer
entries are scored, and a search above any score still answers the head of the full
ranking above it."""

from __future__ import annotations

import pytest

from bot.knowledge import KnowledgeBase
from bot.knowledge.entry import Entry
from bot.knowledge.index import (
    _SENTENCE_END,
    _SENTENCE_MARKS,
    LocaleIndex,
    SearchWord,
    _covering,
)
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


def test_words_no_entry_knows_lower_the_bounds_and_not_the_answers() -> None:
    index = LocaleIndex("en", _entries("en"))
    asked = index.search("how long does shipping take", 1)[0][0]
    padded = "how long does shipping take zzqa zzqb zzqc zzqd"
    chosen: dict[str, SearchWord] = {}
    norm_squared = 0.0  # as ``_ranked`` adds it: every unknown word, each stem once
    for word in padded.split():
        counted = index._words.get(word) or index._learn(word)
        if counted.factor <= 0.0 or counted.stem not in chosen:
            norm_squared += counted.square
        if counted.factor > 0.0:
            chosen.setdefault(counted.stem, counted)
    gained = sum(counted.gain for counted in chosen.values())
    assert _covering(gained, norm_squared) < 0.7  # four words known to none
    assert index.search(padded, 1)[0][0] < asked
    texts = [f"{text} {tail}" for text in _texts()[::3]
             for tail in ("", "zzqa zzqb", "dónde está mi pedido")]
    for text in texts:
        everything = index.search(text, 10_000)
        for above in [0.3, 0.6, *(score + d for score, _ in everything[:2]
                                 for d in (-1e-7, 1e-7))]:
            wanted = [entry for score, entry in everything if score > above][:3]
            assert [entry for _, entry in index.search(text, 3, above)] == wanted, (
                text, above)


def test_the_sentence_marks_looked_for_are_those_the_split_splits_at() -> None:
    matched = {c for c in map(chr, range(0x10000)) if _SENTENCE_END.fullmatch(c)}
    assert matched == _SENTENCE_MARKS
