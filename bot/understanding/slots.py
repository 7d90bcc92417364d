"""Slot values found in a sentence, from what the slot's type declares in its JSON
schema: a ``pattern`` (an order number like ``^A\\d{4}$``), an ``enum`` of values, and
``x-aliases`` (the words customers use for each value: "vaqueros" for ``jeans``).

These are candidates: the core validates each one through the slot's type before it is
used, so a loose match here can never put a wrong value in a flow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.understanding.digits import needs_digit
from bot.understanding.nearest import NearestWord
from bot.understanding.text import words

#: How alike a typed word and an alias word must be (rapidfuzz ratio, 0..100).
ALIAS_SIMILARITY = 85


@dataclass(frozen=True, slots=True)
class SlotPattern:
    """How to find one slot's value in a sentence."""

    name: str
    pattern: re.Pattern[str] | None
    #: Value → its aliases as folded words ("slim jeans" → ("slim", "jeans")).
    aliases: Mapping[str, Sequence[tuple[str, ...]]]
    #: Every (value, alias) in order, and each alias word → where its aliases are in it:
    #: a sentence is checked only against the aliases its words are in.
    _in_order: list[tuple[str, tuple[str, ...]]] = field(init=False, repr=False,
                                                         compare=False)
    _where: dict[str, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        in_order = [(value, alias) for value, alias_list in self.aliases.items()
                    for alias in alias_list if alias]
        where: dict[str, list[int]] = {}
        for number, (_, alias) in enumerate(in_order):
            for word in dict.fromkeys(alias):
                where.setdefault(word, []).append(number)
        object.__setattr__(self, "_in_order", in_order)
        object.__setattr__(self, "_where", where)

    @classmethod
    def from_schema(cls, name: str, schema: Mapping[str, Any]) -> SlotPattern | None:
        """None when the schema gives nothing to look for (a free-text slot)."""
        pattern = schema.get("pattern")
        compiled = None
        if isinstance(pattern, str):
            body = pattern.removeprefix("^").removesuffix("$")
            compiled = re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE)
        aliases: dict[str, list[tuple[str, ...]]] = {}
        for value in schema.get("enum") or ():
            aliases.setdefault(str(value), []).append(tuple(words(str(value))))
        for value, said in (schema.get("x-aliases") or {}).items():
            aliases.setdefault(str(value), []).extend(tuple(words(s)) for s in said)
        if compiled is None and not aliases:
            return None
        return cls(name, compiled, aliases)

    def find(self, text: str, typed: Mapping[str, str],
             searched: dict[re.Pattern[str], re.Match[str] | None] | None = None,
             ) -> tuple[str, list[str]] | None:
        """(value, the typed words that said it) or None. ``typed``: each alias word the
        text says (or a typo of it) → the typed word (``SlotFinder.typed_words``).
        ``searched``: the pattern searches already made in ``text`` (several slots often
        share one, as an order number does), filled in as they are made."""
        if self.pattern is not None:
            if searched is None:
                found = self.pattern.search(text)
            elif self.pattern in searched:
                found = searched[self.pattern]
            else:
                found = searched[self.pattern] = self.pattern.search(text)
            if found is not None:
                return found.group(0), words(found.group(0))
        where = self._where
        reached = [word for word in typed if word in where]
        if not reached:
            return None
        numbers = where[reached[0]] if len(reached) == 1 else sorted(
            {number for word in reached for number in where[word]})
        for number in numbers:  # the first alias all of whose words the text says
            value, alias = self._in_order[number]
            if all(word in typed for word in alias):
                return value, [typed[word] for word in alias]
        return None

    def alias_words(self) -> set[str]:
        return {word for alias_list in self.aliases.values() for alias in alias_list
                for word in alias}


class SlotFinder:
    """The values of ``patterns``' slots in a sentence. Built once per set of slots: the
    typo look-up of their alias words (``NearestWord``) remembers what it found."""

    def __init__(self, patterns: Sequence[SlotPattern]) -> None:
        self.patterns = list(patterns)
        self.alias_words = sorted({w for p in self.patterns for w in p.alias_words()})
        self._known = frozenset(self.alias_words)
        self._nearest = NearestWord(self.alias_words, ALIAS_SIMILARITY)
        #: Each typed word of 4 letters or more no alias uses → the alias word it is a
        #: typo of, or "" (``_typo_of``).
        self._alias_of: dict[str, str] = {}
        #: The slots a pattern can find, in order: all a sentence with no alias word in it
        #: can give (most sentences).
        self._patterned = [(p.name, p.pattern) for p in self.patterns if p.pattern is not None]
        #: The patterns that match only where a digit is (``digits``): not searched in an
        #: ASCII sentence without one (most sentences).
        self._with_digit = list(dict.fromkeys(
            pattern for _, pattern in self._patterned if needs_digit(pattern)))

    def typed_words(self, said: Sequence[str]) -> dict[str, str]:
        """Each alias word the words ``said`` contain, exactly or with a typo (words of 4
        letters or more), → the word as typed."""
        typed: dict[str, str] = {}
        known, alias_of = self._known, self._alias_of
        for word in said:
            if word in known:
                typed.setdefault(word, word)
            elif len(word) >= 4:
                alias = alias_of.get(word)
                if alias is None:
                    alias = self._typo_of(word)
                if alias:
                    typed.setdefault(alias, word)
        return typed

    def _typo_of(self, word: str) -> str:
        """The alias word ``word`` is a typo of ("" for none), remembered (bounded): a
        sentence's words no alias uses are looked up without a call each."""
        found = self._nearest.find(word)
        alias = found[0] if found is not None and len(found[0]) >= 4 else ""
        if len(self._alias_of) >= NearestWord.MEMORY:
            self._alias_of.clear()
        self._alias_of[word] = alias
        return alias

    def find(self, text: str) -> tuple[dict[str, str], str]:
        """The slot values in ``text`` and the rest of its words (for matching the
        intent)."""
        found, rest = self.find_in(text, words(text))
        return found, " ".join(rest)

    def find_in(self, text: str, said: Sequence[str]) -> tuple[dict[str, str], list[str]]:
        """``find`` for a text whose words (``text.words``) the caller has already; the
        rest is a list of words."""
        if not self.patterns:
            return {}, list(said)
        typed = self.typed_words(said) if self.alias_words else {}
        found: dict[str, str] = {}
        used: set[str] = set()
        # An ASCII text's digits are all in its folded words: with none, a pattern that
        # needs one has nothing to find (None, as its search would answer).
        searched: dict[re.Pattern[str], re.Match[str] | None] = (
            dict.fromkeys(self._with_digit)
            if self._with_digit and text.isascii() and "".join(said).isalpha() else {})
        if not typed:  # no alias to look for: the patterns alone, each searched once
            for name, pattern in self._patterned:
                match = searched[pattern] if pattern in searched else searched.setdefault(
                    pattern, pattern.search(text))
                if match is not None:
                    found[name] = match.group(0)
                    used.update(words(found[name]))
            return found, [w for w in said if w not in used] if used else list(said)
        for slot in self.patterns:
            hit = slot.find(text, typed, searched)
            if hit is not None:
                found[slot.name] = hit[0]
                used.update(hit[1])
        return found, [w for w in said if w not in used] if used else list(said)
