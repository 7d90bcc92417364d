"""A knowledge answer as the customer reads it: the stored answer and where it comes from.

Plain text on purpose (answers are stored as plain text, see ``formats``), so every
channel shows the same words: the core renderer only splits it where a channel's messages
are shorter.
"""

from __future__ import annotations

from bot.messages import Text
from bot.understanding.contract import Passage

#: "— from: Shipping times", per locale; other locales say it in English.
SOURCE_LABEL = {"en": "from", "es": "fuente", "fr": "source", "pt": "fonte",
                "it": "fonte", "de": "Quelle", "ca": "font"}


def answer_message(passage: Passage, locale: str | None, *, text: str | None = None) -> Text:
    """The reply for ``passage``: its answer (or ``text``, an answer generated from it)
    followed by its source title."""
    label = SOURCE_LABEL.get((locale or passage.locale).split("-")[0], SOURCE_LABEL["en"])
    body = (text or passage.answer).strip()
    return Text(text=f"{body}\n\n— {label}: {passage.title}")
