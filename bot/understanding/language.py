"""Which configured language a customer writes in, from the words they use.

Customers rarely say what language they speak: WhatsApp tells us none, and a Telegram
app set to English says nothing about the Spanish its owner types. The guess weighs the
words of each language (a short list of common words per language, plus the words of the
flows' own examples in that locale) and the marks only one language uses ("¿", "ñ"); it
answers only when one language clearly wins, so "A1001" or "ok" changes nothing.

A plain word count, not a language-identification library: the candidates are the few
configured locales, the texts are a few words long (where general-purpose detectors are
least reliable), and it costs microseconds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from bot.understanding.text import words


def _words(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


#: Words common in everyday requests, folded (no accents). Words both languages use
#: ("no", "a", "me", "order") are left out: they tell nothing.
COMMON_WORDS: Mapping[str, frozenset[str]] = {
    "en": _words("""i im id ive you your my the is are was were be want would like please could
        can to of and with for from this that what where when how why hello hi hey
        thanks thank talk speak person human someone help cancel stop order return
        bought buy get need want know am do does did not dont have has it its there
        here an on in at which who will shall yes sorry just about still yet some any
        send check track parcel package delivery shipping english"""),
    "es": _words("""yo quiero quisiera querria mi mis tu el la los las es esta estan son fue ser
        por favor puedo puedes podria podrias para con de del al que donde cuando como
        porque hola buenas buenos dias tardes gracias hablar persona alguien ayuda
        cancelar pedido devolver devolucion compre comprar necesito saber soy tengo
        tiene hay aqui un una unos unas en cual quien sera si vale perdon solo todavia
        algun alguna enviar envio paquete entrega mirar ver espanol castellano ya pero
        muy bien"""),
}

#: Words every language here uses, in customers' mouths: never a vote.
SHARED_WORDS = frozenset({"no", "ok", "okay", "a", "me", "sms"})

#: Characters only one of the languages writes.
MARKS: Mapping[str, str] = {"es": "¿¡ñáéíóú"}


class LanguageGuesser:
    """Guesses among ``locales``; ``vocabulary`` adds words per locale (the flows'
    examples), counted only where a word belongs to that locale alone."""

    def __init__(self, locales: Sequence[str],
                 vocabulary: Mapping[str, Iterable[str]] | None = None) -> None:
        self.locales = list(locales)
        owners: Counter[str] = Counter()
        known: dict[str, set[str]] = {}
        for locale in self.locales:
            said = set(COMMON_WORDS.get(locale, ()))
            for sentence in (vocabulary or {}).get(locale, ()):
                said.update(words(sentence))
            known[locale] = said
            owners.update(said)
        self._marks = [(locale, frozenset(marks)) for locale, marks in MARKS.items()
                       if locale in self.locales]
        #: Each word that only one locale uses, and that locale.
        self._word_locale = {word: locale for locale, said in known.items() for word in said
                             if owners[word] == 1 and word not in SHARED_WORDS}

    def guess(self, text: str, said: Sequence[str] | None = None) -> str | None:
        """The locale ``text`` is written in, or None when it does not tell. ``said``: its
        words (``text.words``), when the caller has them already.

        It runs on every free-text message: the words' owners are looked up and counted
        in C (``map``, ``list.count``), and the marks are looked for only in a text that
        is not plain ASCII (every mark is a non-ASCII letter)."""
        if len(self.locales) < 2:
            return None
        owners = list(filter(None, map(self._word_locale.get,
                                       words(text) if said is None else said)))
        marked = ([locale for locale, marks in self._marks
                   if not marks.isdisjoint(text.lower())]
                  if self._marks and not text.isascii() else [])
        if not marked:
            if not owners:
                return None
            first = owners[0]
            if owners.count(first) == len(owners):
                return first  # one language's words only
        votes = {locale: owners.count(locale) + (2 if locale in marked else 0)
                 for locale in self.locales}
        best = max(votes, key=votes.__getitem__)
        count = votes.pop(best)
        return best if count > max(votes.values()) else None
