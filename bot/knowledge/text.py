"""Words as the index compares them: accents and case folded, filler words dropped, each
word reduced to its stem in the locale's language.

Stems come from PyStemmer, the C build of the Snowball stemmers (the algorithms Lucene,
Elasticsearch and PostgreSQL's full-text search use): "shipping"/"shipped" → "ship",
"envíos"/"envío" → "envi", "tardan"/"tarda" → "tard", at about 2 µs a word. The pure
Python ``snowballstemmer`` takes ~400 µs a word here, too slow for a turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import Stemmer

from bot.accents import without_accents
from bot.understanding.text import fold as provider_fold

#: Snowball's name of each language, by the first part of a locale ("pt-BR" → "pt").
_LANGUAGES = {"en": "english", "es": "spanish", "fr": "french", "de": "german",
              "it": "italian", "pt": "portuguese", "ca": "catalan", "nl": "dutch",
              "sv": "swedish", "da": "danish", "no": "norwegian", "nb": "norwegian",
              "fi": "finnish", "ro": "romanian", "ru": "russian", "tr": "turkish",
              "pl": "polish", "eu": "basque", "el": "greek", "hu": "hungarian"}

#: Words that say nothing about what is asked (politeness, pronouns, articles), folded.
#: Question words stay: "where" and "when" tell the shop's address from its hours.
_FILLER = {
    "en": """a an the and or but of to in on at for from by with about as is are was were
        be been being am do does did doing done have has had i me my mine myself we us our
        you your yours it its this that these those there here he she they them their
        will would shall should can could may might must please pls thanks thank hi
        hello hey dear just really also so some any tell know let like want wanted need
        wondering wonder ask asking question help kindly get im ive id dont cant youre
        thats whats hows wheres if then than very much many too s t d ll re ve m""",
    "es": """a al ante con de del desde en entre hacia hasta para por sin sobre tras el la
        lo los las un una unos unas y e o u ni que pero mas muy ya es son era eran ser
        estar esta estan estoy soy fue he ha han hay yo me mi mis tu tus te ti usted
        ustedes su sus nos nuestro nuestra le les se esto eso este ese esa estos esas
        favor gracias hola buenas buenos quiero queria quisiera
        podria podrias puedes puede pueden saber decir dime digame necesito ayuda
        pregunta preguntar tengo tiene tienen algo alguna alguno si""",
}


#: Question words: they tell "where is the shop" from "when is the shop open", but say
#: nothing alone ("where?" asks about no entry), so they weigh ``QUESTION_WEIGHT``.
_QUESTION = {
    "en": "where when how what which who whom whose why",
    "es": "donde adonde cuando como que cual cuales quien quienes cuanto cuanta cuantos "
          "cuantas porque",
}
QUESTION_WEIGHT = 0.4


def fold(text: str) -> str:
    """Lower case without accents: "¿Cuánto TARDA el envío?" → "¿cuanto tarda el envio?"."""
    return without_accents(text).casefold()


_WORD = re.compile(r"[^\W_]+")
#: The same on ASCII text, lowered (there ``\w`` is letters, digits and "_").
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def words_of(text: str) -> list[str]:
    """The folded words of ``text`` in order, filler and repeats included."""
    if text.isascii():  # most messages: nothing to take accents off
        return _ASCII_WORD.findall(text.lower())
    return _WORD.findall(fold(text))


#: What in the provider's folding of a text shows that it splits otherwise here: an
#: upper-case ASCII letter (a compatibility letter such as "ᴬ" folds to "A", which the
#: provider drops and this keeps) or a word character beyond ASCII (Greek, Cyrillic: this
#: keeps it, the provider drops it).
_SPLITS_OTHERWISE = re.compile(r"[A-Z]|[^\W\x00-\x7f]")


def splits_alike(text: str) -> bool:
    """Whether the built-in provider's words of ``text`` (``bot.understanding.text.words``)
    are ``words_of(text)``, so a search may take them instead of splitting the text again.
    They are when the text has no apostrophe (the provider joins "I'd" into "id", this
    splits "i", "d"; U+FF07 is one once folded) and the provider's folding of it has no
    ``_SPLITS_OTHERWISE``: both foldings map each character on its own, to the same
    string for every character whose provider folding has none
    (tests/bot/knowledge/test_shared_words.py checks every code point), and in such a
    string ``[^\\W_]+`` finds what ``[a-z0-9]+`` does ("¿dónde está?" too: "¿" is no
    word character in either)."""
    if text.isascii():  # most messages: one scan for the one apostrophe
        return "'" not in text
    if "'" in text or "\u2019" in text or "\uff07" in text:
        return False
    folded = provider_fold(text)  # (remembered: the provider folded this very text)
    if folded.isascii():  # most accented text once folded: a look for upper case is enough
        return folded == folded.lower()
    return _SPLITS_OTHERWISE.search(folded) is None  # (several times slower: "¿", "«", "€")


class Analyzer:
    """The words of a text in one locale, as (folded word, stem) pairs. Stems are
    remembered (customers repeat the same few hundred words); the memory is bounded."""

    MEMORY = 20_000

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._stems: dict[str, str] = {}
        language = locale.split("-")[0].split("_")[0].lower()
        algorithm = _LANGUAGES.get(language)
        self._stem: Callable[[str], str] = (Stemmer.Stemmer(algorithm).stemWord
                                            if algorithm else str)
        words = _FILLER.get(language, "")
        self.filler = frozenset(fold(words).split())
        self.questions = frozenset(self.stem(word) for word in
                                   _QUESTION.get(language, "").split())

    def words(self, text: str) -> list[tuple[str, str]]:
        """Content words of ``text`` in order, each once."""
        found: dict[str, str] = {}
        for word in words_of(text):
            if word in self.filler or word in found:
                continue
            found[word] = self.stem(word)
        return list(found.items())

    def stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            if len(self._stems) >= self.MEMORY:
                self._stems.clear()
            stem = self._stems[word] = self._stem(word)
        return stem
