"""Global intents that work inside any flow: cancel, help, a human, a language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.dialogue.texts import Texts
from bot.messages import Inbound

INTENTS = ("cancel", "help", "human", "language")


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    #: For "language": the locale the customer asked for.
    locale: str | None = None


def normalise(text: str) -> str:
    return " ".join(text.casefold().strip().rstrip("!.").split())


class IntentMatcher:
    """Matches a whole message (not a word inside an answer) against each intent's phrases
    in every locale, so "cancel" works for a Spanish speaker too."""

    def __init__(self, texts: Texts, locales: Sequence[str]) -> None:
        self._phrases: dict[str, Intent] = {}
        for name in INTENTS:
            for locale, phrases in texts.all_values(f"intent.{name}").items():
                if locale not in locales:
                    continue
                for phrase in phrases.split("|"):
                    intent = Intent(name, locale if name == "language" else None)
                    self._phrases.setdefault(normalise(phrase), intent)
        self._commands = {name: Intent(name) for name in ("cancel", "help", "human")}
        #: The most words a phrase has: a longer message is none of them, and is not
        #: folded (most free text is a sentence longer than every phrase; issue 16).
        self._most_words = max((len(p.split()) for p in self._phrases), default=0)

    def match(self, inbound: Inbound) -> Intent | None:
        if inbound.payload is not None:
            if inbound.payload.startswith("locale:"):
                return Intent("language", inbound.payload.removeprefix("locale:"))
            return None
        command = inbound.command
        if command is not None:
            return self._commands.get(command[0])
        text = inbound.text
        if not text:
            return None
        # Folding keeps the words (casefold adds no space), and the trailing "!." it
        # strips takes one word at most.
        if len(text.split(None, self._most_words + 1)) > self._most_words + 1:
            return None
        return self._phrases.get(normalise(text))
