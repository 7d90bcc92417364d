"""The in-memory index of one locale's entries, and its score.

Each entry is found through its *variants*: its title, each question, and its tags. A
text's score against an entry is the best cosine between the text and one variant, over
stems weighted by how rare they are among the entries (BM25's idf). So the score is in
0..1 whatever the size of the base, 1 for a text that says the same words as a variant
(in any order, any accents, any inflection), and it falls with every content word the
entry does not know: an unrelated sentence shares at most a common word or two and stays
far below ``understanding.threshold``.

A word the index does not know is looked up among the known ones at one edit (a missing,
extra, changed or swapped letter: "shiping", "devolucon", "envoi"), with a symmetric
delete dictionary (SymSpell's idea): each known word is stored under itself and each of its
one-letter deletions, so a look-up is a dozen dict hits instead of a scan of the
vocabulary. A word matched that way counts ``TYPO`` of a word written right.

Why not a library for the matching: ``bm25s`` scores are unbounded (not comparable with a
threshold), need numpy and scipy, and know no typos; scikit-learn's TF-IDF costs ~1 s of
imports (half the start-up budget) and ~200 µs per query in its Python layers; rapidfuzz
compares whole strings, so every search scans every variant. The stems come from
PyStemmer (``bot/knowledge/text.py``).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import NamedTuple

from bot.knowledge.entry import Entry
from bot.knowledge.text import QUESTION_WEIGHT, Analyzer, splits_alike, words_of

#: What a word matched at one edit counts, against a word written right.
TYPO = 0.8
#: What an unknown word weighs, against the rarest known word: a sentence with words the
#: base never mentions is less likely to be about the entry.
UNKNOWN = 0.8
#: How much of the score is how much of the text the entry covers at all (its questions,
#: title and tags together), against the best single question's cosine.
COVERAGE = 0.5
#: Where a sentence ends, or a question starts ("¿"): each part is scored on its own too.
_SENTENCE_END = re.compile(r"[.!?¿¡;\n]+")
#: The characters ``_SENTENCE_END`` matches: a set looks for them cheaper than the
#: expression scans a text (``parts_of``, on every search).
_SENTENCE_MARKS = frozenset(".!?¿¡;\n")
#: What may stand around a single sentence ("¿dónde está?", "hi!"): ends and spaces.
_ENDS_AND_SPACES = " \t\r\n\f\v.!?¿¡;"
#: A score this close to 1 is 1, off only by the rounding of the sums.
PERFECT = 1 - 1e-9
#: What the bound of a score may be off by rounding (``_ranked``).
SLACK = 1e-9
#: Kept off ``above`` when skipping words that cannot lift an entry over it: far more
#: than the rounding of the sums, far less than any difference a ranking shows.
MARGIN = 1e-6
#: Words shorter than this are not matched at one edit ("pay" is not "day").
TYPO_MIN_LENGTH = 4


class SearchWord(NamedTuple):
    """What a word of a search counts as in one locale: worked out once per word."""

    stem: str
    #: 1 for a known stem, ``TYPO`` for one a word is a typo of, 0 for an unknown word,
    #: -1 for a filler word (skipped).
    factor: float
    #: What the word adds to the text's squared norm (its stem's idf squared; for an
    #: unknown word ``UNKNOWN`` of the rarest stem's, squared; 0 for a filler word), and
    #: what it adds to a dot product with its stem.
    square: float
    gain: float
    #: The most the word can add to a variant's cosine times the text's norm
    #: (``_reaching``).
    reach: float
    question: bool


FILLER = SearchWord("", -1.0, 0.0, 0.0, 0.0, False)


class LocaleIndex:
    """The entries of one locale, searchable. Built once; never changed (a reload builds
    another and swaps it in)."""

    def __init__(self, locale: str, entries: Sequence[Entry]) -> None:
        self.locale = locale
        self.analyzer = Analyzer(locale)
        self.entries = list(entries)
        variants: list[frozenset[str]] = []
        self._variant_entry: list[int] = []
        surfaces: dict[str, str] = {}
        for number, entry in enumerate(self.entries):
            for text in (entry.title, *entry.questions, " ".join(entry.tags)):
                pairs = self.analyzer.words(text)
                if not pairs:
                    continue
                variants.append(frozenset(stem for _, stem in pairs))
                self._variant_entry.append(number)
                surfaces.update(pairs)
        self._entry_stems: list[set[str]] = [set() for _ in self.entries]
        for owner, stems in zip(self._variant_entry, variants, strict=True):
            self._entry_stems[owner].update(stems)
        self.idf = _idf(self._entry_stems)
        for stem in self.analyzer.questions & self.idf.keys():
            self.idf[stem] *= QUESTION_WEIGHT
        self._unknown = UNKNOWN * max(self.idf.values(), default=1.0)
        self._postings: defaultdict[str, list[int]] = defaultdict(list)
        self._norms: list[float] = []
        for number, stems in enumerate(variants):
            for stem in stems:
                self._postings[stem].append(number)
            self._norms.append(math.sqrt(sum(self.idf[stem] ** 2 for stem in stems)))
        self._inverse_norms = [1 / norm if norm else 0.0 for norm in self._norms]
        #: Each stem's most a variant it is in can gain from it, per unit of gain.
        self._largest_inverse_norm = {
            stem: max(self._inverse_norms[variant] for variant in found)
            for stem, found in self._postings.items()}
        self._posting_sets = {stem: frozenset(found) for stem, found in self._postings.items()}
        self._squares = {stem: weight * weight for stem, weight in self.idf.items()}
        self._near: defaultdict[str, set[str]] = defaultdict(set)
        for surface, stem in surfaces.items():
            for key in _one_edit_keys(surface):
                self._near[key].add(stem)
        self._guesses: dict[str, str | None] = {}
        #: Each stem a search met → its entries by the most they can score (``_order``).
        self._orders: dict[str, list[tuple[float, int, tuple[int, ...]]]] = {}
        #: A word no entry knows, even at one edit: it counts in the text's norm only.
        self._unknown_word = SearchWord("", 0.0, self._unknown ** 2, 0.0, 0.0, False)
        #: Each word a search met → what it counts as (``_learn``); filler words too.
        self._words: dict[str, SearchWord] = dict.fromkeys(self.analyzer.filler, FILLER)
        #: The words met that ask about nothing here (filler, unknown even at one edit,
        #: question words): a text of only these finds nothing (``_ranked``). What a word
        #: counts as never changes in this index, so this is kept apart from ``_words``.
        self._silent: set[str] = set(self.analyzer.filler)

    def search(self, text: str, limit: int, above: float = 0.0) -> list[tuple[float, Entry]]:
        """The best entries for ``text`` with their scores (0..1), best first; only those
        scoring more than ``above`` (a caller that needs only an entry beating a score it
        has lets the search skip the rest). A message of several sentences ("Hi! I
        ordered yesterday. How long does shipping take?") scores each sentence too, and an
        entry keeps its best: the greeting and the story around a question do not drown
        it."""
        return self.search_parts(parts_of(text), limit, above)

    def search_parts(self, parts: Sequence[Sequence[str]], limit: int,
                     above: float = 0.0) -> list[tuple[float, Entry]]:
        """``search`` for a text already in words (``parts_of``: every locale's index
        reads the same words, each with its own stems)."""
        if len(parts) == 1:
            return [(score, self.entries[number])
                    for score, number in self._ranked(parts[0], limit, above)]
        best: dict[int, float] = {}
        for part in parts:
            # An entry among the best of the whole is among the best of the part where it
            # scores its best, so each part's ``limit`` best are enough.
            for score, number in self._ranked(part, limit, above):
                best[number] = max(best.get(number, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [(score, self.entries[number]) for number, score in ranked]

    def _ranked(self, said: Sequence[str], limit: int,
                above: float) -> list[tuple[float, int]]:
        """(score, entry number) of the ``limit`` best entries the words ``said`` touch
        that score more than ``above``, best first."""
        if self._silent.issuperset(said):
            # Every word is one that asks nothing here (most texts in another locale's
            # words, and "where is it?"): the loop below would find no word that asks.
            return []
        chosen: dict[str, SearchWord] = {}  # stem → its best word, in the order said
        norm_squared, asks = 0.0, False
        gained = reach = 0.0  # what the chosen words gain and reach, summed in order
        replaced = False  # (a stem's word replaced by a better one: sums made again)
        memory = self._words
        for word in dict.fromkeys(said):  # each once, in order
            counted = memory.get(word) or self._learn(word)
            if counted.factor <= 0.0:  # a filler word (adds 0) or one no entry knows
                norm_squared += counted.square
                continue
            held = chosen.get(counted.stem)
            if held is None:
                norm_squared += counted.square
                gained += counted.gain
                reach += counted.reach
                chosen[counted.stem] = counted
                asks = asks or not counted.question
            elif held.factor < counted.factor:
                chosen[counted.stem] = counted
                replaced = True
        if not asks or limit <= 0:  # nothing asked about ("where?")
            return []
        if replaced:
            gained = sum(counted.gain for counted in chosen.values())
            reach = sum(counted.reach for counted in chosen.values())
        query_norm = math.sqrt(norm_squared)
        # What an entry covers of the text is at most what all its words gain together:
        # the most any entry's coverage factor can be (a text with words no entry knows
        # covers less, and every bound below is that much lower).
        covering = _covering(gained, norm_squared)
        budget = _budget(above, query_norm, covering)
        if reach <= budget:
            return []  # all the words together cannot lift a variant over ``above``
        postings, posting_sets = self._postings, self._posting_sets
        gains = list(chosen.values())
        reaching, adding = _reaching(gains, above, budget)
        if not reaching:
            return []  # no entry can score more than ``above``
        if len(reaching) == 1:  # most questions: one word finds the candidates
            return self._ranked_by_one(reaching[0], adding, gains, norm_squared, limit,
                                       above, covering)
        dots: dict[int, float] = {}
        get = dots.get
        for counted in reaching:
            gain = counted.gain
            for variant in postings[counted.stem]:
                dots[variant] = get(variant, 0.0) + gain
        for counted in adding:
            gain = counted.gain
            for variant in posting_sets[counted.stem].intersection(dots):
                dots[variant] += gain
        # Each entry's best variant by dot / |variant|; the query's norm divides them all.
        best: dict[int, float] = {}
        inverse_norms, variant_entry = self._inverse_norms, self._variant_entry
        for variant, dot in dots.items():
            score = dot * inverse_norms[variant]
            entry = variant_entry[variant]
            if score > best.get(entry, 0.0):
                best[entry] = score
        # Best cosines first: an entry scores at most its cosine ** (1 - COVERAGE) (what it
        # covers is at most the whole text), so once that bound falls below the
        # ``limit``-th score found, or to ``above``, no entry after it can enter the
        # ranking.
        found: list[tuple[float, int]] = []
        top: list[float] = []  # the ``limit`` best scores so far, a min-heap
        for entry, cosine in sorted(best.items(), key=lambda item: -item[1]):
            cosine /= query_norm
            bound = cosine ** (1 - COVERAGE) * covering ** COVERAGE + SLACK
            if bound <= above or (len(top) == limit and bound < top[0]):
                break
            self._keep(entry, cosine, gains, norm_squared, above, found, top, limit)
        found.sort(key=lambda item: (-item[0], item[1]))
        return found[:limit]

    def _ranked_by_one(self, reaching: SearchWord, adding: list[SearchWord],
                       gains: list[SearchWord], norm_squared: float, limit: int, above: float,
                       covering: float = 1.0) -> list[tuple[float, int]]:
        """``_ranked`` when a single word finds the candidates (the others only add to
        them): its entries come in the order of the most they can score (``_order``),
        and each is scored exactly, with the same sums as ``_ranked``, only while that
        most can still enter the ranking. Without words that add, an entry's cosine is
        the word's gain times its largest 1/|variant|: no variant to visit."""
        order = self._orders.get(reaching.stem) or self._order(reaching.stem)
        gain, query_norm = reaching.gain, math.sqrt(norm_squared)
        ceiling = gain + sum(counted.gain for counted in adding)  # the most a dot can be
        inverse_norms, posting_sets = self._inverse_norms, self._posting_sets
        found: list[tuple[float, int]] = []
        top: list[float] = []
        for largest, entry, variants in order:
            most = ((ceiling * largest / query_norm) ** (1 - COVERAGE) * covering ** COVERAGE
                    + SLACK)
            if most <= above or (len(top) == limit and most < top[0]):
                break  # no later entry can enter either
            if not adding:
                cosine = gain * largest
            else:
                cosine = 0.0
                for variant in variants:
                    dot = gain
                    for counted in adding:
                        if variant in posting_sets[counted.stem]:
                            dot += counted.gain
                    cosine = max(cosine, dot * inverse_norms[variant])
            cosine /= query_norm
            bound = cosine ** (1 - COVERAGE) + SLACK
            if bound <= above or (len(top) == limit and bound < top[0]):
                continue
            self._keep(entry, cosine, gains, norm_squared, above, found, top, limit)
        found.sort(key=lambda item: (-item[0], item[1]))
        return found[:limit]

    def _keep(self, entry: int, cosine: float, gains: list[SearchWord], norm_squared: float,
              above: float, found: list[tuple[float, int]], top: list[float],
              limit: int) -> None:
        """Score ``entry`` (its cosine, and how much of the text it covers) and keep it
        in ``found`` when it beats ``above``; ``top`` holds the ``limit`` best scores."""
        stems, covered = self._entry_stems[entry], 0.0
        for counted in gains:
            if counted.stem in stems:
                covered += counted.gain
        score = cosine ** (1 - COVERAGE) * (covered / norm_squared) ** COVERAGE
        # A variant's very words score 1 whatever order the sums were added in, so
        # that entries answering equally well rank in the order of the files.
        score = 1.0 if score > PERFECT else score
        if score <= above:
            return
        found.append((score, entry))
        heapq.heappush(top, score)
        if len(top) > limit:
            heapq.heappop(top)

    def _order(self, stem: str) -> list[tuple[float, int, tuple[int, ...]]]:
        """The entries with ``stem``, each with its largest 1/|variant| among its
        variants with the stem and those variants, largest first (on a tie, the first
        entry first); made at a search's first use of the stem, then remembered."""
        variants: dict[int, list[int]] = defaultdict(list)
        for variant in self._postings[stem]:
            variants[self._variant_entry[variant]].append(variant)
        inverse_norms = self._inverse_norms
        order = sorted(((max(inverse_norms[v] for v in found), entry, tuple(found))
                        for entry, found in variants.items()), key=lambda e: (-e[0], e[1]))
        self._orders[stem] = order
        return order

    def _learn(self, word: str) -> SearchWord:
        """What ``word`` counts as: its stem when the index knows it, else the stem one
        edit away (``TYPO``), else nothing (``_unknown_word``); remembered (bounded)."""
        stem = self.analyzer.stem(word)
        factor = 1.0
        if stem not in self.idf:
            guess = self._guess(word)
            stem, factor = (guess, TYPO) if guess is not None else ("", 0.0)
        if not factor:
            counted = self._unknown_word
        else:
            square = self._squares[stem]
            gain = factor * square
            counted = SearchWord(stem, factor, square, gain,
                              gain * self._largest_inverse_norm[stem],
                              stem in self.analyzer.questions)
        if len(self._words) >= Analyzer.MEMORY:
            self._words.clear()
            self._words.update(dict.fromkeys(self.analyzer.filler, FILLER))
        self._words[word] = counted
        if counted.factor <= 0.0 or counted.question:
            if len(self._silent) >= Analyzer.MEMORY:
                self._silent.clear()
                self._silent.update(self.analyzer.filler)
            self._silent.add(word)
        return counted

    def _guess(self, surface: str) -> str | None:
        """The known stem one edit away from ``surface``, if exactly one is."""
        if surface in self._guesses:
            return self._guesses[surface]
        guess = None
        if len(surface) >= TYPO_MIN_LENGTH:
            found: set[str] = set()
            for key in _one_edit_keys(surface):
                found.update(self._near.get(key, ()))  # .get: never grow the map
            guess = min(found) if len(found) == 1 else None
        if len(self._guesses) >= Analyzer.MEMORY:
            self._guesses.clear()
        self._guesses[surface] = guess
        return guess


def parts_of(text: str, said: Sequence[str] | None = None) -> list[Sequence[str]]:
    """The folded words of ``text``, and when it has several sentences, of each too.
    ``said``: the built-in provider's words of ``text``, when the caller has them; taken
    as they are for a single sentence they are the same words for (``splits_alike``)."""
    if _SENTENCE_MARKS.isdisjoint(text.strip(_ENDS_AND_SPACES)):
        # One sentence (most messages): no split to make, and often none to redo.
        if said is not None and splits_alike(text):
            return [said]
        return [words_of(text)]
    sentences = [part for part in _SENTENCE_END.split(text) if part.strip()]
    if len(sentences) <= 1:
        return [words_of(text)]
    each = [words_of(sentence) for sentence in sentences]
    return [[word for part in each for word in part], *each]


def _covering(gained: float, norm_squared: float) -> float:
    """The most of the text an entry can cover (``_keep``'s ``covered / norm_squared``):
    all the words' gains together (``gained``), over the text's squared norm (at most 1)."""
    if norm_squared <= 0.0:
        return 1.0
    return min(1.0, gained / norm_squared)


def _budget(above: float, query_norm: float, covering: float) -> float:
    """What the words' ``reach`` may add up to without lifting any variant over ``above``
    (``_reaching``); -1 when every word reaches (``above`` 0)."""
    return ((above - MARGIN) ** 2 * query_norm / covering
            if above > MARGIN and covering > 0.0 else -1.0)


def _reaching(gains: list[SearchWord], above: float,
              budget: float) -> tuple[list[SearchWord], list[SearchWord]]:
    """The words whose variants are candidates, and those that only add to the
    candidates: question words ("where" alone asks about no entry), and the content words
    too weak to lift a variant above ``above`` by themselves (MaxScore's idea).

    A word adds at most ``gain * (its variants' largest 1/|variant|) / |text|`` (its
    ``reach``) to a variant's cosine, and an entry scores at most the square root of its
    best cosine times that of the most it can cover (``covering``: a text with words no
    entry knows, such as another language's, covers less); so a variant only the weak
    words reach (with every question word at its most) cannot score more than ``above``.
    With ``above`` 0 every content word reaches: "offer", in nearly every entry, makes a
    candidate of every variant only then. ``budget``: what the reaches may add up to
    without lifting a variant over ``above`` (``_budget``; the caller has left already
    when all the words together cannot)."""
    adding = [counted for counted in gains if counted.question]
    content = [counted for counted in gains if not counted.question]
    if above <= MARGIN or not content:
        return content, adding
    spent = sum(counted.reach for counted in adding)
    weak: set[str] = set()
    for counted in sorted(content, key=attrgetter("reach")):
        spent += counted.reach
        if spent > budget:
            break
        weak.add(counted.stem)
    if not weak:
        return content, adding
    return ([hit for hit in content if hit.stem not in weak],
            [hit for hit in content if hit.stem in weak] + adding)


def _one_edit_keys(word: str) -> Iterable[str]:
    """The word and its one-letter deletions: two words one edit apart share a key."""
    yield word
    if len(word) >= TYPO_MIN_LENGTH:
        for at in range(len(word)):
            yield word[:at] + word[at + 1:]


def _idf(entry_stems: list[set[str]]) -> dict[str, float]:
    """BM25's idf of each stem, counting entries (not variants: ten ways to ask about
    shipping must not make "shipping" look common)."""
    found = Counter(stem for stems in entry_stems for stem in stems)
    entries = len(entry_stems)
    return {stem: math.log(1 + (entries - df + 0.5) / (df + 0.5)) for stem, df in found.items()}
