"""The search's shortcuts (the words too weak to lift an entry skipped, one word's entries
taken in the order of the most they can score, the ranking's early stop) answer what
scoring every entry the long way answers: the best cosine over its variants, weighted
by how much of the text the entry covers."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pytest

from bench.understanding import write_knowledge
from bot.knowledge import KnowledgeBase
from bot.knowledge.index import COVERAGE, LocaleIndex, parts_of
from tests.bot.knowledge.conftest import DEMO
from tests.bot.knowledge.test_ranking_bound import _texts


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    folder: Path = tmp_path_factory.mktemp("synthetic")
    write_knowledge(folder, 174)  # "offer" in nearly every entry, "online" in half
    return KnowledgeBase.from_paths([DEMO, folder], locales=["en", "es"])


def _every_entry(index: LocaleIndex, said: list[str]) -> list[tuple[float, int]]:
    """Each entry's score, computed for every entry and every variant that shares a
    content word with the text, best first."""
    gains: dict[str, float] = {}
    norm_squared = 0.0
    for word in dict.fromkeys(said):
        counted = index._words.get(word) or index._learn(word)
        if counted.factor <= 0.0:
            norm_squared += counted.square
        elif counted.stem not in gains:
            norm_squared += counted.square
            gains[counted.stem] = counted.gain
        else:
            gains[counted.stem] = max(gains[counted.stem], counted.gain)
    if all(stem in index.analyzer.questions for stem in gains):
        return []
    variant_stems: dict[int, set[str]] = defaultdict(set)
    for stem, variants in index._postings.items():
        for variant in variants:
            variant_stems[variant].add(stem)
    cosines: dict[int, float] = defaultdict(float)
    for variant, stems in variant_stems.items():
        if stems.isdisjoint(gains.keys() - index.analyzer.questions):
            continue  # a question word alone ("how") finds no entry
        dot = sum(gain for stem, gain in gains.items() if stem in stems)
        entry = index._variant_entry[variant]
        cosines[entry] = max(cosines[entry], dot * index._inverse_norms[variant])
    scored = []
    for entry, cosine in cosines.items():
        if not cosine:
            continue
        covered = sum(gain for stem, gain in gains.items() if stem in index._entry_stems[entry])
        score = ((cosine / math.sqrt(norm_squared)) ** (1 - COVERAGE)
                 * (covered / norm_squared) ** COVERAGE)
        scored.append((min(score, 1.0), entry))
    return sorted(scored, key=lambda hit: (-hit[0], hit[1]))


def test_every_search_answers_the_head_of_every_entry_scored(big: KnowledgeBase) -> None:
    checked = 0
    for index in big._index.locales.values():
        for text in _texts():
            for part in parts_of(text):
                everything = _every_entry(index, part)
                floors = [0.0, 0.3, 0.6, 0.8, *(score - 1e-4 for score, _ in everything[:3])]
                for above in floors:
                    for limit in (1, 3):
                        want = [hit for hit in everything if hit[0] > above + 1e-9][:limit]
                        got = index._ranked(part, limit, above)
                        assert [entry for _, entry in got][:len(want)] == [
                            entry for _, entry in want], (index.locale, text, above, limit)
                        assert all(math.isclose(a, b, abs_tol=1e-9) for (a, _), (b, _)
                                   in zip(got, want, strict=False))
                        checked += 1
    assert checked > 5_000
