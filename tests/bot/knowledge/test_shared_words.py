"""The knowledge search reads the built-in provider's words of a sentence instead of
splitting it again, exactly where the two splits are the same words (``splits_alike``):
every text it shares them for splits alike, the proof's per-character premise holds for
every code point, and the provider hands its words over."""

from __future__ import annotations

import string
import sys
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from bot.accents import without_accents
from bot.knowledge import KnowledgeBase
from bot.knowledge import text as knowledge_text
from bot.knowledge.index import parts_of
from bot.knowledge.text import words_of
from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import Passage, Request
from bot.understanding.specs import flow_specs
from bot.understanding.text import words
from flows.store_assistant import FLOWS

LOCALES = ["en", "es"]
#: One ASCII sentence without an apostrophe: most customers' messages.
ASCII_SENTENCE = st.text(alphabet=string.ascii_letters + string.digits + " ,-_:/()\"@#%&*+=",
                         max_size=60)
#: Spanish and French letters and punctuation, and characters the two foldings might take
#: apart: compatibility letters, ligatures, combining marks, Greek, Cyrillic, apostrophes.
MIXED = ("áéíóúüñçàèâêîôûëïœæÁÉÍÓÚÜÑÇÀÈÂÊÎÔÛŒÆß¿¡«»“”…—€😀"
         "ᴬᴮ\u210c\u2102₨Ⅻﬁİ\u0301\u0345\u0307Σ\u03c3ς\u0391\u0430\u0431в'\u2019\uff07")


@given(st.text(alphabet=string.ascii_letters + MIXED + " .,?", max_size=40))
def test_a_sentence_of_any_letters_shared_splits_alike(text: str) -> None:
    if knowledge_text.splits_alike(text):
        assert words(text) == words_of(text)
    assert parts_of(text, words(text)) == parts_of(text)


@given(st.text(max_size=30))
def test_any_text_shared_splits_alike(text: str) -> None:
    if knowledge_text.splits_alike(text):
        assert words(text) == words_of(text)
    assert parts_of(text, words(text)) == parts_of(text)


def test_every_character_shared_folds_alike_in_both() -> None:
    """The premise of ``splits_alike``: both foldings map each character on its own, so
    a text folds alike when each of its characters does."""
    for point in range(sys.maxunicode + 1):
        if 0xD800 <= point <= 0xDFFF:
            continue  # surrogates: no text holds them alone
        char = chr(point)
        provider = without_accents(char.casefold())
        if knowledge_text._SPLITS_OTHERWISE.search(provider):
            continue
        if "'" in provider:
            assert not knowledge_text.splits_alike(char), hex(point)  # joined by the provider
            continue
        assert without_accents(char).casefold() == provider, hex(point)


def test_texts_that_split_otherwise_are_not_shared() -> None:
    for text in ("I'd like a refund", "what\u2019s my order", "it\uff07s late", "ᴬᴮ", "\u210ci",
                 "Ⅻ ΣΑΣ", "где заказ"):
        assert not knowledge_text.splits_alike(text), text
        assert parts_of(text, ["not", "these"]) == parts_of(text), text


def test_a_single_sentence_that_splits_alike_takes_the_words_given() -> None:
    said = words("¿Dónde está mi pedido?")
    assert parts_of("¿Dónde está mi pedido?", said)[0] is said
    # Several sentences are split anew: the provider's words do not say where they end.
    assert parts_of("Hi! Where is it?", ["hi", "where", "is", "it"]) == [
        ["hi", "where", "is", "it"], ["hi"], ["where", "is", "it"]]


def test_the_base_searches_the_words_given(demo: KnowledgeBase) -> None:
    """(A caller's words for a text that splits alike are read as they are: here words
    that are not the text's, to see which ones the search read.)"""
    own = demo.search("zzz", "en", limit=1)
    given_words = demo.search("zzz", "en", limit=1, said=words("How can I pay?"))
    assert not own
    assert [p.id for p in given_words] == [p.id for p in demo.search("How can I pay?", "en",
                                                                     limit=1)]


class Spy:
    """A knowledge base that records what the provider asked."""

    def __init__(self) -> None:
        self.asked: list[Sequence[str] | None] = []

    def search(self, text: str, locale: str | None, *, limit: int = 3, above: float = 0.0,
               said: Sequence[str] | None = None) -> Sequence[Passage]:
        self.asked.append(said)
        return []

    def get(self, passage_id: str) -> Passage | None:
        return None


def test_the_provider_hands_its_words_to_the_search() -> None:
    provider = BuiltinProvider(flow_specs(FLOWS, LOCALES), LOCALES)
    spy = Spy()
    text = "how long does shipping take to the canaries"
    provider.understand_now(Request(text=text, locale="en", locales=LOCALES,
                                    flows=flow_specs(FLOWS, LOCALES)), spy)
    assert spy.asked == [words(text)]
