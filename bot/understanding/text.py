"""Text as the built-in provider compares it: folded, without accents or punctuation, in
words. "¿Dónde está mi PEDIDO?" and "donde esta mi pedido" are the same to it, because
customers type both."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Casefolded, accents removed ("Ñandú" → "nandu"), apostrophes joined ("I'd" → "id")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("'", "").replace("\u2019", "")


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))
