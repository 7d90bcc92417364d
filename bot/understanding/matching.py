"""Which labelled example a sentence is most like: the scoring of the built-in provider.

Each example is a bag of folded words weighted by how rare the word is among the labels
(an idf: "order" tells more than "please", which every label's examples use). A typed
word counts for the example word it is most like (rapidfuzz's edit-distance ratio), so
"retrun" and "pedio" still count. The score of a sentence against an example is the
harmonic mean of how much of the sentence the example explains and how much of the
example the sentence says (an F1 over weighted words), in 0..1; a label scores its best
example. Word order does not matter; missing accents and case do not either (``text``).
Only the examples that share a meaningful word with the sentence are scored, through an
inverted index built once: this runs on every free-text message.

Why rapidfuzz: a maintained C++ library with wheels for every platform, no model, no
network; ``extractOne`` finds a typo's word among a few hundred (``nearest``: once per
typed word, remembered). A TF-IDF model from scikit-learn would bring numpy and scipy
(tens of MB, a slow import) for no better results on a few dozen examples per flow.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import sqrt
from operator import itemgetter
from typing import NamedTuple

from bot.understanding.nearest import NearestWord
from bot.understanding.text import words

#: A typed word within this ratio (0..100) of an example word counts for it.
TYPO_SIMILARITY = 78
#: The weight of a typed word no example uses, relative to the rarest word.
UNKNOWN_WEIGHT = 0.35
#: Words that carry grammar or politeness, not what the customer wants: they count this
#: much of their weight ("I'd like to return" is about "return").
FUNCTION_WEIGHT = 0.15
#: A score this close to 1 is a sentence with the same words as the example, off only by
#: the rounding of the sums (a knowledge passage scoring 1.0 must not beat it).
PERFECT = 1 - 1e-9
FUNCTION_WORDS = frozenset(str.split("""
    i im id ive me my mine you your u the a an is are was be been to of and or with for
    from this that it its in on at by do does did can could would will should please pls
    plz kindly thanks thank just some any so then there here what which am want like
    yo me mi mis tu te el la lo los las un una unos unas es esta son de del al a y o con
    para por favor porfa porfavor que se le les en mas muy ya pero si gracias podria
    podrias puedes puedo quiero quisiera gustaria me
    get got have has need know tell make let go see really also now
    hacer hago hace tener tengo tiene necesito saber decir dime ver mirar ahora tambien
    no not dont yes yeah ok okay vale sure
    """))


@dataclass(frozen=True, slots=True)
class Example:
    label: str
    locale: str
    text: str


class TypedWord(NamedTuple):
    """What a typed word counts as in the example scoring."""

    #: The example word it stands for (itself, or the word it is a typo of), or None.
    example_word: str | None
    #: What it adds to an example with that word: the weight of the word times how alike.
    gain: float
    #: What it adds to the sentence's weight.
    adds: float
    #: Whether its example word is a function word (it only adds to the candidates).
    is_function: bool


class ExampleIndex:
    """The examples of every label, ready to score sentences against."""

    def __init__(self, examples: Iterable[Example]) -> None:
        self.examples = list(examples)
        self._bags = [frozenset(words(e.text)) for e in self.examples]
        labels_using: dict[str, set[str]] = defaultdict(set)
        for example, bag in zip(self.examples, self._bags, strict=True):
            for word in bag:
                labels_using[word].add(example.label)
        count = max(len({e.label for e in self.examples}), 1)
        self._weight = {word: math.log(1 + count / len(labels))
                        * (FUNCTION_WEIGHT if word in FUNCTION_WORDS else 1.0)
                        for word, labels in labels_using.items()}
        self._unknown = max(self._weight.values(), default=1.0) * UNKNOWN_WEIGHT
        self._nearest = NearestWord(list(self._weight), TYPO_SIMILARITY)
        self._bag_weights = [sum(self._weight[w] for w in bag) for bag in self._bags]
        self._labels = [e.label for e in self.examples]
        self._containing: dict[str, list[int]] = defaultdict(list)
        for index, bag in enumerate(self._bags):
            for word in bag:
                self._containing[word].append(index)
        self._containing_sets = {w: frozenset(found) for w, found in self._containing.items()}
        #: Each long typed word no example uses → its parts (``_split``), remembered.
        self._parts: dict[str, tuple[str, ...]] = {}
        #: Each typed word → what it counts as (``_learn``), remembered.
        self._counted: dict[str, TypedWord] = {}

    def _known(self, word: str) -> tuple[str, float] | None:
        """The example word ``word`` stands for, and how alike they are (0..1)."""
        if word in self._weight:
            return word, 1.0
        if len(word) < 4:
            return None
        found = self._nearest.find(word)
        return (found[0], found[1] / 100) if found is not None else None

    def _learn(self, word: str) -> TypedWord:
        """What a typed word counts as (``TypedWord``); remembered (bounded)."""
        known = self._known(word)
        if known is None:
            counted = self._unknown * (FUNCTION_WEIGHT if word in FUNCTION_WORDS else 1.0)
            learnt = TypedWord(None, 0.0, counted, False)
        else:
            example_word, similarity = known
            learnt = TypedWord(example_word, self._weight[example_word] * similarity,
                             self._weight[example_word], example_word in FUNCTION_WORDS)
        if len(self._counted) >= NearestWord.MEMORY:
            self._counted.clear()
        self._counted[word] = learnt
        return learnt

    def _split(self, word: str) -> tuple[str, ...]:
        """``word``, or the two example words it joins ("nevermind" → "never", "mind")."""
        if word in self._weight or len(word) < 6:
            return (word,)
        parts = self._parts.get(word)
        if parts is None:
            parts = (word,)
            for cut in range(2, len(word) - 1):
                if word[:cut] in self._weight and word[cut:] in self._weight:
                    parts = word[:cut], word[cut:]
                    break
            if len(self._parts) >= NearestWord.MEMORY:
                self._parts.clear()
            self._parts[word] = parts
        return parts

    def scores(self, text: str) -> list[tuple[str, float]]:
        """Each label with the score of its best example, best first."""
        return self.scores_of(words(text))

    def scores_of(self, said: Iterable[str]) -> list[tuple[str, float]]:
        """``scores`` of a text already in folded words (``text.words``).

        This runs on every free-text message, so each typed word is one look-up of what
        it counts as (``TypedWord``: its gain, weight times similarity, multiplied once when it
        is first met), kept apart as a content or a function word as it is read."""
        content: dict[str, float] = {}  # example word → the best gain a typed word gives
        function: dict[str, float] = {}  # the same, for function words
        typed_weight = 0.0
        counted, weight = self._counted, self._weight
        parts = set(said)
        for word in parts.difference(weight):  # (a word joining two is one no example uses)
            if len(word) >= 6 and len(self._split(word)) > 1:
                parts = set()  # two example words run together ("nevermind"): each counts
                for typed_word in said:
                    parts.update(self._split(typed_word))
                break
        for word in parts:
            example_word, gain, adds, is_function = counted.get(word) or self._learn(word)
            typed_weight += adds
            if example_word is not None:
                chosen = function if is_function else content
                if chosen.get(example_word, 0.0) < gain:
                    chosen[example_word] = gain
        if not content:
            return []  # "no", "ok please": an answer, not a request
        # Examples that share only "my" or "please" with the sentence cannot win: the
        # candidates are those a meaningful word reaches, through the inverted index, and
        # the function words only add to them.
        containing = self._containing
        words_in = iter(content.items())
        word, gain = next(words_in)
        matched = dict.fromkeys(containing[word], gain)
        get = matched.get
        for word, gain in words_in:
            for index in containing[word]:
                matched[index] = get(index, 0.0) + gain
        # (Each function word's examples checked among the few matched ones: no set made.)
        containing_sets = self._containing_sets
        for word, gain in function.items():
            having = containing_sets[word]
            for index in matched:
                if index in having:
                    matched[index] += gain
        # The F1 of precision (hit / typed weight) and recall (hit / example weight) is
        # 2 hit / (typed weight + example weight); each label keeps its best example's.
        best: dict[str, float] = {}
        bag_weights, labels = self._bag_weights, self._labels
        for index in sorted(matched):  # equal scores: the first label wins
            half = matched[index] / (typed_weight + bag_weights[index])  # (doubling is exact)
            label = labels[index]
            if half > best.get(label, 0.0):
                best[label] = half
        # Its square root spreads the F1 over 0..1 the way a threshold reads it: half of a
        # sentence explained by half of an example is a fair guess (0.5), not 0.25. (Taken
        # of each label's best only: the root keeps the order.) A root above ``PERFECT`` is
        # the same words: 1 whatever order the weights were added in.
        ranked = [(label, 1.0 if (score := sqrt(2 * half)) > PERFECT else score)
                  for label, half in best.items()]
        if len(ranked) > 1:
            ranked.sort(key=itemgetter(1), reverse=True)
        return ranked


def vocabulary_by_locale(examples: Sequence[Example]) -> dict[str, list[str]]:
    """The example sentences of each locale (what the language guess learns from)."""
    found: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        found[example.locale].append(example.text)
    return dict(found)
