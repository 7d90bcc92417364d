"""The built-in provider, the default: understands a sentence from the flows' own example
utterances, with no model and no network.

It scores the sentence against every flow's examples and the framework's own phrases
(``phrases``: a person, cancel, another language) with ``matching.ExampleIndex``
(rapidfuzz for the typos; see there why), takes out first the slot values it finds
(``slots``: patterns, enums and aliases from the slot types' JSON schemas), and compares
the best label with the best knowledge passage the caller retrieved. The language comes
from ``language.LanguageGuesser``. It never raises for a sentence it does not understand:
it answers an empty ``Understanding``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.understanding.contract import (
    AnswerFromKnowledge,
    Cancel,
    Command,
    FlowSpec,
    HandOff,
    Knowledge,
    Passage,
    Request,
    SetSlots,
    StartFlow,
    SwitchLanguage,
    Understanding,
)
from bot.understanding.language import LanguageGuesser
from bot.understanding.matching import Example, ExampleIndex, vocabulary_by_locale
from bot.understanding.phrases import GLOBAL_EXAMPLES, LANGUAGE_NAMES
from bot.understanding.slots import SlotFinder, SlotPattern
from bot.understanding.text import words

#: Labels of the framework's own commands (flow names cannot contain ":").
GLOBAL = "intent:"
#: How sure the provider is of a value of the pending slot found in the answer.
PENDING_SLOT_CONFIDENCE = 0.9
#: Added to a flow's score for each of its slots the sentence fills.
SLOT_BONUS = 0.1
#: Added to the language command's score when the sentence names a language.
LANGUAGE_NAME_BONUS = 0.3
#: How far below its rounded score (4 places, ``Passage.score``) a passage may score.
PASSAGE_ROUNDING = 1e-4


class BuiltinProvider:
    """Understands from ``flows``' examples in ``locales``."""

    name = "builtin"

    def __init__(self, flows: Sequence[FlowSpec], locales: Sequence[str],
                 global_examples: Mapping[str, Mapping[str, Sequence[str]]] = GLOBAL_EXAMPLES,
                 ) -> None:
        self.locales = list(locales)
        examples = [Example(flow.name, locale, said)
                    for flow in flows for locale, sentences in flow.examples.items()
                    if locale in self.locales for said in sentences]
        examples += [Example(GLOBAL + command, locale, said)
                     for command, per_locale in global_examples.items()
                     for locale, sentences in per_locale.items()
                     if locale in self.locales for said in sentences]
        self.index = ExampleIndex(examples)
        self.language = LanguageGuesser(self.locales, vocabulary_by_locale(examples))
        self._slots: dict[str, list[SlotPattern]] = {}
        for flow in flows:
            patterns = [SlotPattern.from_schema(s.name, s.schema) for s in flow.slots]
            self._slots[flow.name] = [p for p in patterns if p is not None]
        self._slot_names = {flow: frozenset(p.name for p in patterns)
                            for flow, patterns in self._slots.items()}
        self._finders = {flow: SlotFinder(patterns) for flow, patterns in self._slots.items()}
        self._all_slots = SlotFinder([p for ps in self._slots.values() for p in ps])
        self._language_names = {name for loc in self.locales
                                for name in LANGUAGE_NAMES.get(loc, ())}

    async def understand(self, request: Request) -> Understanding:
        return self.understand_now(request)

    def understand_now(self, request: Request,
                       knowledge: Knowledge | None = None) -> Understanding:
        """The same, as a plain call (it never waits for anything). With ``knowledge``
        (and no ``request.passages``) it searches the knowledge base itself, after the
        flows, and only for a passage that beats the best flow: that passage is the one
        the full search would have put first, and most sentences need no search at all
        (an answer to the pending question, an example's very words) or only a short one
        (an entry must reach the flow's score)."""
        return self.understand_text(request.text, request.locale, request.locales,
                                    request.current_flow, request.pending_slot,
                                    request.passages, knowledge)

    def understand_text(self, text: str, locale: str | None, locales: Sequence[str],
                        current_flow: str | None = None, pending_slot: str | None = None,
                        passages: Sequence[Passage] = (),
                        knowledge: Knowledge | None = None) -> Understanding:
        """``understand_now`` of a ``Request`` of these fields, without building one: the
        understanding stage's call for every free-text message (a request's eight
        fields cost about 7,000 instructions to set, 4% of what a sentence adds over a
        trigger match; issue 16)."""
        said = words(text)  # once: the language, the slots and the examples read them
        guessed = self.language.guess(text, said)
        pending = self._pending_answer(text, current_flow, pending_slot)
        if pending is not None:
            return Understanding((pending,), PENDING_SLOT_CONFIDENCE, guessed, self.name)
        found, rest = self._all_slots.find_in(text, said)
        ranked = self._boosted(self.index.scores_of(rest), found, said)
        label, score = ranked[0] if ranked else ("", 0.0)
        passage = passages[0] if passages else None
        if passage is None and knowledge is not None and score < 1.0:
            beating = knowledge.search(text, locale, limit=1,
                                       above=score - PASSAGE_ROUNDING, said=said)
            passage = beating[0] if beating else None
        if passage is not None and passage.score > score:
            return Understanding((AnswerFromKnowledge(passage.id),), passage.score, guessed,
                                 self.name)
        command = self._command(label, said, found, locales)
        if command is None:
            return Understanding((), 0.0, guessed, self.name)
        return Understanding((command,), score, guessed, self.name)

    def slots_in(self, flow: str, text: str) -> dict[str, str]:
        """The values of ``flow``'s slots found in ``text``."""
        finder = self._finders.get(flow)
        return finder.find(text)[0] if finder is not None and finder.patterns else {}

    def _boosted(self, ranked: list[tuple[str, float]], found: Mapping[str, str],
                 said: Sequence[str]) -> list[tuple[str, float]]:
        """Scores with evidence the examples cannot show: each slot of a flow the sentence
        fills ("the jeans" is a returns slot) and a language named ("in Spanish")."""
        named = not self._language_names.isdisjoint(said)
        if not found and not named:
            return ranked  # nothing to add: already best first, each at most 1
        boosted = []
        for label, score in ranked:
            own = self._slots.get(label, ())
            score += SLOT_BONUS * sum(1 for p in own if p.name in found)
            if named and label == GLOBAL + "language":
                score += LANGUAGE_NAME_BONUS
            boosted.append((label, min(score, 1.0)))
        return sorted(boosted, key=lambda item: item[1], reverse=True)

    def _pending_answer(self, text: str, current_flow: str | None,
                        pending_slot: str | None) -> SetSlots | None:
        """The pending question's answer inside a longer sentence ("it's a1001, thanks")."""
        if current_flow is None or pending_slot is None:
            return None
        finder = self._finders.get(current_flow)
        if finder is None:
            return None
        found, _ = finder.find(text)
        if pending_slot not in found:
            return None
        return SetSlots(found)

    def _command(self, label: str, said: Sequence[str], found: Mapping[str, str],
                 locales: Sequence[str]) -> Command | None:
        if not label:
            return None
        if not label.startswith(GLOBAL):
            own = self._slot_names.get(label, frozenset())
            return StartFlow(label, {k: v for k, v in found.items() if k in own}
                             if found else {})
        command = label.removeprefix(GLOBAL)
        if command == "human":
            return HandOff()
        if command == "cancel":
            return Cancel()
        named = set(said)
        wanted = [loc for loc in locales if named & set(LANGUAGE_NAMES.get(loc, ()))]
        return SwitchLanguage(wanted[0]) if len(wanted) == 1 else None
