"""Text as the built-in provider compares it: folded, without accents or punctuation, in
words. "¿Dónde está mi PEDIDO?" and "donde esta mi pedido" are the same to it, because
customers type both.

Folding runs on every free-text message, so ASCII text (most of it) is only lowered, and
each other character is decomposed once and remembered: the same result as decomposing
the whole text (case folding maps each character alone, and the marks that the canonical
reordering moves are the ones removed), at a fraction of the cost.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_PLAIN: dict[str, str] = {}


def _plain(match: re.Match[str]) -> str:
    char = match.group()
    plain = _PLAIN.get(char)
    if plain is None:
        decomposed = unicodedata.normalize("NFKD", char)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        if len(_PLAIN) < 10_000:  # the characters people write: a few hundred
            _PLAIN[char] = plain
    return plain


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Casefolded, accents removed ("Ñandú" → "nandu"), apostrophes joined ("I'd" → "id")."""
    folded = text.casefold()
    if folded.isascii():
        return folded.replace("'", "")
    return _NOT_ASCII.sub(_plain, folded).replace("'", "").replace("\u2019", "")


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return _WORD.findall(fold(text))
