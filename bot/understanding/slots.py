"""Slot values found in a sentence, from what the slot's type declares in its JSON
schema: a ``pattern`` (an order number like ``^A\\d{4}$``), an ``enum`` of values, and
``x-aliases`` (the words customers use for each value: "vaqueros" for ``jeans``).

These are candidates: the core validates each one through the slot's type before it is
used, so a loose match here can never put a wrong value in a flow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

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

    def find(self, text: str, typed: Mapping[str, str]) -> tuple[str, list[str]] | None:
        """(value, the typed words that said it) or None. ``typed``: each alias word the
        text says (or a typo of it) → the typed word (``typed_words``)."""
        if self.pattern is not None:
            found = self.pattern.search(text)
            if found is not None:
                return found.group(0), words(found.group(0))
        if not typed:
            return None
        for value, alias_list in self.aliases.items():
            for alias in alias_list:
                if alias and all(word in typed for word in alias):
                    return value, [typed[word] for word in alias]
        return None

    def alias_words(self) -> set[str]:
        return {word for alias_list in self.aliases.values() for alias in alias_list
                for word in alias}


def typed_words(text: str, alias_words: Sequence[str]) -> dict[str, str]:
    """Each alias word ``text`` says, exactly or with a typo (words of 4 letters or
    more), → the word as typed."""
    said: dict[str, str] = {}
    known = set(alias_words)
    for word in words(text):
        if word in known:
            said.setdefault(word, word)
        elif len(word) >= 4:
            found = process.extractOne(word, alias_words, scorer=fuzz.ratio,
                                       score_cutoff=ALIAS_SIMILARITY)
            if found is not None and len(found[0]) >= 4:
                said.setdefault(found[0], word)
    return said


def find_slots(patterns: Sequence[SlotPattern], text: str,
               alias_words: Sequence[str] | None = None) -> tuple[dict[str, str], str]:
    """The slot values in ``text`` and the rest of its words (for matching the intent).
    ``alias_words``: every alias word of ``patterns`` (computed when not given)."""
    if alias_words is None:
        alias_words = sorted({w for p in patterns for w in p.alias_words()})
    typed = typed_words(text, alias_words)
    found: dict[str, str] = {}
    used: set[str] = set()
    for slot in patterns:
        hit = slot.find(text, typed)
        if hit is not None:
            found[slot.name] = hit[0]
            used.update(hit[1])
    return found, " ".join(w for w in words(text) if w not in used)
