"""The language guess counted in C answers as the word-by-word vote did: the locale with
strictly the most votes (a word only one locale uses: one; a mark only one writes: two),
None on a tie or without votes, for two locales and for three."""

from __future__ import annotations

import random

from bot.understanding.language import LanguageGuesser
from bot.understanding.text import words

SAID = ["where is my order", "dónde está mi pedido", "¿y mi paquete?", "ok", "A1001",
        "quiero devolver the jeans", "hola hello", "mañana", "ÑANDÚ", "obrigado", "não",
        "você", "por favor please", "", "¡gracias!", "thanks obrigado gracias"]


def _voted(guesser: LanguageGuesser, text: str) -> str | None:
    """The guess as it was: every word's vote added one at a time."""
    if len(guesser.locales) < 2:
        return None
    votes: dict[str, int] = {}
    for locale, marks in guesser._marks:
        if not marks.isdisjoint(text.lower()):
            votes[locale] = votes.get(locale, 0) + 2
    for word in words(text):
        owner = guesser._word_locale.get(word)
        if owner is not None:
            votes[owner] = votes.get(owner, 0) + 1
    if not votes:
        return None
    best = max(votes, key=votes.__getitem__)
    count = votes.pop(best)
    return best if count > max(votes.values(), default=0) else None


def test_the_guess_is_the_vote_of_every_word_and_mark() -> None:
    rng = random.Random(16)
    texts = SAID + [" ".join(rng.choices(SAID, k=rng.randint(1, 4))) for _ in range(3000)]
    vocabulary = {"pt": ["obrigado pelo pedido", "não você"]}
    for locales in (["en", "es"], ["es", "en"], ["en", "es", "pt"], ["en"]):
        guesser = LanguageGuesser(locales, vocabulary)
        for text in texts:
            assert guesser.guess(text) == _voted(guesser, text), (locales, text)
            assert guesser.guess(text, words(text)) == _voted(guesser, text)
