"""Text folded for comparison: case, accents and punctuation do not tell answers apart.

"¡Sí!", "si" and "SI" are one answer; so are "Devolución" and "devolucion". Folding is
``str.casefold`` plus Unicode decomposition with the combining marks dropped (so "ñ"
becomes "n": "mañana" and "manana" match, as customers type both).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=4096)
def strip_accents(text: str) -> str:
    """``text`` casefolded, without accents: "Mañana" → "manana"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """``text`` casefolded, without accents or punctuation, single-spaced: "¡Sí, vale!"
    → "si vale". Underscores count as punctuation."""
    return " ".join(_NOT_WORD.sub(" ", strip_accents(text)).replace("_", " ").split())


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()
