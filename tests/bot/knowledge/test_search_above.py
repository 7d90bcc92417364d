"""A search for only the entries scoring more than a given score (what the built-in
provider asks: a passage that beats its best flow) answers the head of the full ranking
above that score, though it skips the words too weak to lift an entry over it; and the
built-in provider, searching the knowledge itself that way, understands every sentence
as it does from the full search's passages."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.understanding import write_knowledge
from bot.knowledge import KnowledgeBase
from bot.knowledge.base import OTHER_LOCALE
from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import Request
from bot.understanding.specs import flow_specs
from flows.store_assistant import FLOWS
from tests.bot.knowledge.conftest import DEMO
from tests.bot.knowledge.test_ranking_bound import _texts

LOCALES = ["en", "es"]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    folder: Path = tmp_path_factory.mktemp("synthetic")
    write_knowledge(folder, 174)  # "offer" in nearly every entry: the weak word
    return KnowledgeBase.from_paths([DEMO, folder], locales=LOCALES)


def test_an_index_searched_above_a_score_answers_the_full_rankings_head_above_it(
        big: KnowledgeBase) -> None:
    for index in big._index.locales.values():
        for text in _texts():
            everything = index.search(text, 10_000)
            scores = [score for score, _ in everything[:4]]
            floors = [0.0, 0.2, 0.5, 0.7, 0.9, 0.99, *(s + d for s in scores
                                                        for d in (-1e-7, 1e-7))]
            for above in floors:
                wanted = [(score, entry) for score, entry in everything if score > above]
                for limit in (1, 3):
                    found = index.search(text, limit, above)
                    assert [e for _, e in found] == [e for _, e in wanted[:limit]], (
                        text, above, limit)
                    assert all(abs(a - b) < 1e-12 for (a, _), (b, _)
                               in zip(found, wanted, strict=False)), (text, above, limit)


def test_the_builtin_provider_searching_itself_understands_as_from_the_full_search(
        big: KnowledgeBase) -> None:
    specs = flow_specs(FLOWS, LOCALES)
    provider = BuiltinProvider(specs, LOCALES)
    for text in _texts():
        for locale in ("en", "es", None):
            asked = Request(text=text, locale=locale, locales=LOCALES, flows=specs)
            full = Request(text=text, locale=locale, locales=LOCALES, flows=specs,
                           passages=tuple(big.search(text, locale)))
            assert (provider.understand_now(asked, big)
                    == provider.understand_now(full)), (text, locale)


def _mixed(base: KnowledgeBase) -> list[str]:
    """Sentences half in one language, half in the other: both locales' entries rank."""
    rng = random.Random(16)
    asked = {locale: [q for e in base.entries() if e.locale == locale for q in e.questions]
             for locale in LOCALES}
    return [f"{rng.choice(asked['en'])} {' '.join(rng.choice(asked['es']).split()[:3])}"
            for _ in range(300)]


def _merged(base: KnowledgeBase, text: str, locale: str | None) -> list[tuple[float, str]]:
    """Every locale's whole ranking merged as the base merges its heads: the own locale's
    first, the others' at ``OTHER_LOCALE`` of their score unless the own best reaches it."""
    parts = base._index.locales
    own = parts.get(locale) if locale is not None else None
    found = [(score, entry.key) for score, entry in own.search(text, 10_000)] if own else []
    if not found or found[0][0] < OTHER_LOCALE:
        factor = 1.0 if own is None else OTHER_LOCALE
        for part in parts.values():
            if part is not own:
                found += [(score * factor, entry.key)
                          for score, entry in part.search(text, 10_000)]
        found.sort(key=lambda hit: -hit[0])
    return found


def test_the_base_searched_above_a_score_answers_the_head_of_all_locales_above_it(
        big: KnowledgeBase) -> None:
    """Another locale's entries are searched only above the own ones they must pass to
    enter: the merged head stays the same."""
    for text in [*_texts(), *_mixed(big)]:
        for locale in ("en", "es", None):
            everything = _merged(big, text, locale)
            for above in (0.0, 0.3, 0.5, 0.7):
                if any(abs(score - above) < 1e-6 for score, _ in everything):
                    continue  # a hair apart: the sums' rounding decides
                wanted = [(round(score, 4), key) for score, key in everything if score > above]
                for limit in (1, 3):
                    found = big.search(text, locale, limit=limit, above=above)
                    assert [(p.score, p.id) for p in found] == wanted[:limit], (
                        text, locale, above, limit)
