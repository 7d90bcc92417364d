"""What the built-in provider's shortcuts must not change: the typo look-up offers only
the words that can reach the cutoff and remembers its answers, yet answers as rapidfuzz's
``extractOne`` over every word; a sentence with an example's very words scores exactly 1;
labels with equal scores rank in the order of their examples; folding a character at a
time is folding the whole text; an alias is found through its words as by trying them all."""

from __future__ import annotations

import random
import unicodedata

from rapidfuzz import fuzz, process

from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import Passage, Request, StartFlow
from bot.understanding.matching import Example, ExampleIndex
from bot.understanding.nearest import NearestWord
from bot.understanding.slots import SlotPattern
from bot.understanding.specs import flow_specs
from bot.understanding.text import fold
from flows.store_assistant import FLOWS

LOCALES = ("en", "es")


def _typed(rng: random.Random, word: str) -> str:
    letters = list(word)
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(letters) + 1)
        action = rng.randrange(3)
        if action == 0 and at < len(letters):
            del letters[at]
        elif action == 1:
            letters.insert(at, rng.choice("aeiourstnl"))
        elif at < len(letters):
            letters[at] = rng.choice("aeiourstnl")
    return "".join(letters) or word


def test_the_nearest_word_is_the_one_extract_one_finds_among_all_words() -> None:
    index = ExampleIndex(Example(spec.name, locale, said) for spec in
                         flow_specs(FLOWS, LOCALES) for locale, sentences in
                         spec.examples.items() for said in sentences)
    known = list(index._weight)
    rng = random.Random(16)
    typed = [_typed(rng, rng.choice(known)) for _ in range(2000)]
    typed += ["x" * n for n in range(1, 30)] + ["", "a1001", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"]
    for cutoff in (78, 85):
        nearest = NearestWord(known, cutoff)
        for word in typed:
            expected = process.extractOne(word, known, scorer=fuzz.ratio, score_cutoff=cutoff)
            want = (expected[0], expected[1]) if expected is not None else None
            assert nearest.find(word) == want, word
            assert nearest.find(word) == want, word  # the remembered answer too


def test_the_memory_of_typed_words_is_bounded() -> None:
    nearest = NearestWord(["return", "order"], 78)
    nearest.MEMORY = 10
    for n in range(25):
        nearest.find(f"retur{n}")
    assert len(nearest._memory) <= 10
    assert nearest.find("retrun") == ("return", fuzz.ratio("retrun", "return"))


def test_an_examples_own_words_score_exactly_one_in_any_order() -> None:
    """Otherwise the rounding of the sums (which differs with the order the weights are
    added in) lets a knowledge passage scoring 1.0 take an exact request from its flow."""
    specs = flow_specs(FLOWS, LOCALES)
    provider = BuiltinProvider(specs, LOCALES)
    for spec in specs:
        for sentences in spec.examples.values():
            for said in sentences:
                ranked = provider.index.scores(said)
                if not ranked:  # function words only ("hola"): never a request
                    continue
                assert ranked[0][1] == 1.0, said
                assert provider.index.scores(" ".join(reversed(said.split())))[0][1] == 1.0
    passage = Passage(id="es/order-tracking", title="Seguimiento", answer="...",
                      locale="es", score=1.0)
    said = specs[[s.name for s in specs].index("order_status")].examples["es"][0]
    understood = provider.understand_now(Request(text=said, locale="es", locales=LOCALES,
                                                 flows=specs, passages=(passage,)))
    assert understood.commands == (StartFlow("order_status", {}),), understood


def test_labels_with_equal_scores_rank_in_the_order_of_their_examples() -> None:
    index = ExampleIndex([Example("second", "en", "tell me about prices"),
                          Example("first", "en", "tell me about prices")][::-1])
    assert [label for label, _ in index.scores("about prices")] == ["first", "second"]
    index = ExampleIndex([Example("b", "en", "tell me about prices"),
                          Example("a", "en", "tell me about prices")])
    assert [label for label, _ in index.scores("about prices")] == ["b", "a"]


def _fold_whole(text: str) -> str:
    """The folding as it was: the whole text decomposed at once."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("'", "").replace("\u2019", "")


def test_folding_a_character_at_a_time_is_folding_the_whole_text() -> None:
    rng = random.Random(16)
    alphabet = [chr(point) for point in range(0x20, 0x2500)
                if not 0xD800 <= point < 0xE000]
    texts = ["¿Dónde está mi PEDIDO?", "I'd like it", "Ñandú\u2019s", "straße", "ﬁn", "İstanbul",
             "a\u0301\u0327", "e\u0327\u0301"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
              for _ in range(3000)]
    for text in texts:
        assert fold(text) == _fold_whole(text), text


def _first_alias(pattern: SlotPattern, typed: dict[str, str]) -> tuple[str, list[str]] | None:
    """The alias look-up as it was: every value's aliases in order, the first whose words
    the text all says."""
    for value, alias_list in pattern.aliases.items():
        for alias in alias_list:
            if alias and all(word in typed for word in alias):
                return value, [typed[word] for word in alias]
    return None


def test_an_alias_is_found_through_its_words_as_by_trying_every_alias_in_order() -> None:
    """Only the aliases the sentence says a word of are tried, in their order: the first
    of them that matches is the one trying all would find."""
    specs = flow_specs(FLOWS, LOCALES)
    patterns = [p for spec in specs for slot in spec.slots
                if (p := SlotPattern.from_schema(slot.name, slot.schema)) is not None]
    with_aliases = [p for p in patterns if p.aliases]
    assert with_aliases  # the returns flow's item: the catalogue's names and aliases
    rng = random.Random(16)
    for pattern in with_aliases:
        vocabulary = sorted(pattern.alias_words())
        for _ in range(3000):
            said = rng.sample(vocabulary, rng.randint(0, min(4, len(vocabulary))))
            typed = {word: word.upper() for word in said}
            assert pattern.find("", typed) == _first_alias(pattern, typed), said


def test_two_example_words_run_together_count_as_the_two() -> None:
    """The joined words are looked for only among the words no example uses: "nevermind"
    is "never mind", once each however often either is said."""
    index = ExampleIndex([Example("cancel", "en", "never mind"),
                          Example("remember", "en", "keep it in mind"),
                          Example("other", "en", "something else entirely")])
    assert index.scores("nevermind") == index.scores("never mind")
    assert index.scores("nevermind please") == index.scores("never mind please")
    assert index.scores("mind nevermind never") == index.scores("never mind")
    assert index.scores("nevermind")[0] == ("cancel", 1.0)
    assert index.scores("somethingelse") == index.scores("something else")
