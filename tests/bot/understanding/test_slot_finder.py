"""The slot finder's shortcut for a sentence with no alias word in it (the patterns
alone, each searched once) finds what trying every slot in order finds; and the
understanding's counts and latency reach the metrics' exposition."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

import pytest

from bot.metrics import Metrics
from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import Knowledge, Passage, Understanding
from bot.understanding.nearest import NearestWord
from bot.understanding.slots import SlotFinder, SlotPattern
from bot.understanding.specs import flow_specs
from bot.understanding.text import words
from bot.understanding.understander import Understander
from flows.store_assistant import FLOWS

LOCALES = ("en", "es")


def _each_in_order(finder: SlotFinder, text: str) -> tuple[dict[str, str], list[str]]:
    """The finding as it was: every slot's ``find`` in order."""
    said = words(text)
    typed = finder.typed_words(said) if finder.alias_words else {}
    found: dict[str, str] = {}
    used: set[str] = set()
    for slot in finder.patterns:
        hit = slot.find(text, typed)
        if hit is not None:
            found[slot.name] = hit[0]
            used.update(hit[1])
    return found, [w for w in said if w not in used]


def test_the_patterns_alone_find_what_every_slot_in_order_finds() -> None:
    patterns = [p for spec in flow_specs(FLOWS, LOCALES) for slot in spec.slots
                if (p := SlotPattern.from_schema(slot.name, slot.schema)) is not None]
    two = SlotPattern("code", re.compile(r"(?<!\w)[a-z]{2}\d{2}(?!\w)", re.IGNORECASE), {})
    said = ["where is A1001", "a1002 and A1003", "return the jeans", "los vaqueros",
            "order ab12 please", "nothing here", "A10011", "hoodie A1004 jeans", "", "¿A1005?"]
    rng = random.Random(16)
    texts = said + [" ".join(rng.sample(said, rng.randint(1, 3))) for _ in range(2000)]
    for chosen in (patterns, [*patterns, two], [two, *patterns[::-1]], []):
        finder = SlotFinder(chosen)
        for text in texts:
            assert finder.find_in(text, words(text)) == _each_in_order(finder, text), text


def test_the_typos_of_alias_words_are_remembered_within_bounds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NearestWord, "MEMORY", 10)
    finder = SlotFinder([SlotPattern.from_schema("item", {"enum": ["jeans", "hoodie"]})
                         or SlotPattern("item", None, {})])
    for n in range(25):
        assert finder.typed_words([f"jeanz{n}", "hoodiee"]) == {"hoodie": "hoodiee"}
        assert len(finder._alias_of) <= 10
    assert finder.typed_words(["jeanss", "jeans"]) == {"jeans": "jeanss"}


async def test_the_understandings_counts_and_latency_are_exposed() -> None:
    specs = flow_specs(FLOWS, LOCALES)
    metrics = Metrics()
    understander = Understander(BuiltinProvider(specs, LOCALES), flows=specs,
                                locales=LOCALES, threshold=0.6, metrics=metrics)
    await understander.understand("where is my order", locale="en")
    await understander.understand("zzz", locale="en")
    exposition = metrics.exposition().decode()
    assert ('omnicanal_understanding_calls_total{outcome="understood",provider="builtin"} '
            '1.0') in exposition
    assert 'omnicanal_understanding_calls_total{outcome="none",provider="builtin"} 1.0' \
        in exposition
    assert ('omnicanal_understanding_duration_seconds_count{provider="builtin"} 2.0'
            in exposition)


class _Failing(BuiltinProvider):
    def understand_text(self, text: str, locale: str | None, locales: Sequence[str],
                        current_flow: str | None = None, pending_slot: str | None = None,
                        passages: Sequence[Passage] = (),
                        knowledge: Knowledge | None = None) -> Understanding:
        raise RuntimeError("a bug of the provider")


async def test_a_built_in_provider_that_raises_is_absorbed_with_or_without_metrics() -> None:
    """The built-in provider is asked on a path of its own when metrics are off: a
    failure there is still this seam's to absorb (nothing understood), and with metrics
    it is counted as an error."""
    specs = flow_specs(FLOWS, LOCALES)
    metrics = Metrics()
    for counted in (None, metrics):
        understander = Understander(_Failing(specs, LOCALES), flows=specs, locales=LOCALES,
                                    threshold=0.6, metrics=counted)
        assert await understander.understand("where is my order", locale="en") == (
            Understanding(provider="builtin"))
    assert ('omnicanal_understanding_calls_total{outcome="error",provider="builtin"} 1.0'
            in metrics.exposition().decode())
