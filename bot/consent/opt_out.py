"""The words that withdraw marketing everywhere: "STOP", "BAJA", "unsubscribe", "darme de
baja"... A whole message that is one of them, in any configured language, on any
channel, in any case, with or without accents and trailing punctuation, is an opt-out.
Only a whole message: "stop sending me the wrong size" is a complaint, not an opt-out.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

#: Longer messages are never an opt-out word (and are not normalised: the hot path).
_LONGEST = 60


def normalised(text: str) -> str:
    """Lower case, no accents, single spaces, no punctuation around: "¡Darme de BAJA!" →
    "darme de baja"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = "".join(c if c.isalnum() or c.isspace() or c == "/" else " " for c in plain)
    return " ".join(kept.split()).lstrip("/")


class OptOutWords:
    """Every configured language's opt-out words at once (``consent.opt_out_words``)."""

    def __init__(self, words: Mapping[str, Iterable[str]]) -> None:
        self.words = frozenset(normalised(w) for group in words.values() for w in group
                               if normalised(w))

    def matches(self, text: str | None) -> bool:
        if not text or len(text) > _LONGEST:
            return False
        return normalised(text) in self.words
