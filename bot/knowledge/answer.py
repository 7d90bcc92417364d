"""A knowledge answer as the customer reads it: the stored answer and where it comes from.

Plain text on purpose (answers are stored as plain text, see ``formats``), so every
channel shows the same words: the core renderer only splits it where a channel's messages
are shorter.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import Text
from bot.understanding.contract import Passage

#: "— from: Shipping times", per locale; other locales say it in English.
SOURCE_LABEL = {"en": "from", "es": "fuente", "fr": "source", "pt": "fonte",
                "it": "fonte", "de": "Quelle", "ca": "font"}


def answer_message(passage: Passage, locale: str | None, *, text: str | None = None,
                   cites: Sequence[Passage] = ()) -> Text:
    """The reply for ``passage``: its stored answer, or ``text`` (an answer generated from
    it and the ``cites`` passages), followed by the source titles. The label is in the
    answer's language: the passage's for a stored answer, ``locale`` for generated text."""
    language = (locale or passage.locale) if text else passage.locale
    label = SOURCE_LABEL.get(language.split("-")[0], SOURCE_LABEL["en"])
    titles = list(dict.fromkeys([passage.title, *(cited.title for cited in cites)]))
    body = (text or passage.answer).strip()
    return Text(text=f"{body}\n\n— {label}: {'; '.join(titles)}")
