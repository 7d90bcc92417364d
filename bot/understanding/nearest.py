"""The known word a typed word is most like, found once and remembered: the typo look-up
of the example scoring (``matching``) and of the slot aliases (``slots``).

``rapidfuzz.process.extractOne`` over a few hundred words costs tens of microseconds a
call (it converts every choice each time), and it ran for every word of every sentence
that no example uses. Two things make it cheap without changing what it answers:

- only words whose length allows the cutoff are offered: ``fuzz.ratio`` is at most
  ``200·min(a, b) / (a + b)``, so a 7-letter word can never reach 78 against a 3- or an
  11-letter one; the kept words stay in their order, so ties go to the same word;
- the answer for each typed word is remembered (customers repeat the same few hundred
  words and typos); the memory is bounded and emptied when full.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process


class NearestWord:
    """``find(word)``: the word of ``known`` most like ``word`` at ``cutoff`` (0..100) or
    more, with its ratio, as ``extractOne`` with ``fuzz.ratio`` would answer it."""

    MEMORY = 20_000

    def __init__(self, known: Sequence[str], cutoff: float) -> None:
        self.known = list(known)
        self.cutoff = cutoff
        self._by_length: dict[int, list[str]] = {}
        self._memory: dict[str, tuple[str, float] | None] = {}

    def find(self, word: str) -> tuple[str, float] | None:
        memory = self._memory
        if word in memory:
            return memory[word]
        choices = self._choices(len(word))
        found = (process.extractOne(word, choices, scorer=fuzz.ratio,
                                    score_cutoff=self.cutoff) if choices else None)
        answer = (found[0], found[1]) if found is not None else None
        if len(memory) >= self.MEMORY:
            memory.clear()
        memory[word] = answer
        return answer

    def _choices(self, length: int) -> list[str]:
        """The known words a word of ``length`` letters can reach the cutoff against (a
        hair of slack: keeping one too many never changes the answer)."""
        choices = self._by_length.get(length)
        if choices is None:
            choices = [w for w in self.known
                       if 200 * min(length, len(w)) / (length + len(w)) >= self.cutoff - 1e-6]
            self._by_length[length] = choices
        return choices
