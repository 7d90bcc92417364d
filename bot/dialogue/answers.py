"""Understanding an answer to a pending question: a choice, a phone number, free text.

A choice is matched exactly first (a button's payload, a typed number, the title in any
case): that is nearly every answer, and it costs one pass over a few titles.
Only when that fails is the text matched loosely (``loose_choice``): customers type "yes"
for "Yes, book it", "si" for "Sí, resérvalo", "retrun" for "Return".

The fuzzy step uses ``rapidfuzz``: a well-kept C++ implementation of Levenshtein-based
ratios (MIT), a few microseconds for a handful of titles, where the standard library's
``difflib`` is slower and scores short words oddly (its ratio depends on "junk"
heuristics). It is a core dependency because every choice question may need it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from bot.dialogue.parsing.folding import fold
from bot.messages import Choice, Inbound
from bot.model import Question
from bot.phones import to_e164

if TYPE_CHECKING:
    from bot.channels.capabilities import Capabilities

#: What a channel can show, by channel name (None: not known), so that the text asking
#: again for a choice says "tap a button" or "type its number" as the channel shows them.
CapabilitiesOf = Callable[[str], "Capabilities | None"]

#: Short answers that mean yes / no, folded, in the shipped languages (en, es): they pick
#: the one choice whose title starts with such a word ("Yes, book it", "No, drop it").
AFFIRMATIVE = frozenset({"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "of course",
                         "si", "sip", "vale", "claro", "de acuerdo", "por supuesto", "dale"})
NEGATIVE = frozenset({"no", "n", "nope", "nah", "no thanks", "no gracias", "para nada"})
#: Words too common to pick a choice by themselves ("the" is in many titles, or should be).
STOP_WORDS = frozenset({"a", "an", "the", "to", "of", "for", "and", "or", "my", "it", "in",
                        "on", "el", "la", "los", "las", "un", "una", "de", "del", "y", "o",
                        "mi", "en", "por", "para", "con", "lo", "al"})
#: A fuzzy match needs this score (0-100, rapidfuzz's ratio) and this lead over the next
#: choice: "retrun" scores 83 against "return"; "lunch" against "launch" 91, so two such
#: choices are told apart only by an exact answer.
FUZZY_CUTOFF = 80.0
FUZZY_LEAD = 10.0


def match_choice(question: Question, inbound: Inbound) -> Choice | None:
    """The choice the customer picked: by button payload, by number ("2"), by title, or
    loosely by title (``loose_choice``); None when nothing or more than one matches."""
    if inbound.payload is not None:
        return next((c for c in question.choices if c.payload == inbound.payload), None)
    text = (inbound.text or "").strip().rstrip(".)")
    if text.isdigit():
        index = int(text)
        return question.choices[index - 1] if 1 <= index <= len(question.choices) else None
    folded = text.casefold()
    exact = next((c for c in question.choices if c.title.casefold() == folded), None)
    return exact if exact is not None else loose_choice(text, question.choices)


def loose_choice(text: str, choices: Sequence[Choice]) -> Choice | None:
    """The one choice ``text`` stands for, by these rules in order, each ignoring case,
    accents and punctuation: the same title; a yes or no word for the choice that starts
    with one; a word of the title or a unique prefix ("ret" → "Start a return"); a title
    within a typo or two ("retrun" → "Return"). A rule that fits several choices picks
    none (an ambiguous answer is asked again), and so do the rules after it."""
    said = fold(text)
    if not said or not choices:
        return None
    titles = [fold(c.title) for c in choices]
    rules: list[Callable[[str], bool]] = [
        lambda title: title == said,
        lambda title: _same_sense(said, title),
        lambda title: _word_or_prefix(said, title),
    ]
    for rule in rules:
        hits = [choice for choice, title in zip(choices, titles, strict=True) if rule(title)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None
    return _fuzzy(said, choices, titles)


def _same_sense(said: str, title: str) -> bool:
    for words in (AFFIRMATIVE, NEGATIVE):
        if said in words:
            return any(title == w or title.startswith(w + " ") for w in words)
    return False


def _word_or_prefix(said: str, title: str) -> bool:
    if said in STOP_WORDS:
        return False
    words = title.split()
    if said in words:
        return True
    return len(said) >= 3 and (title.startswith(said) or any(w.startswith(said) for w in words))


def _fuzzy(said: str, choices: Sequence[Choice], titles: list[str]) -> Choice | None:
    if len(said) < 3:
        return None
    single_word = " " not in said
    scores = []
    for title in titles:
        score = max(fuzz.ratio(said, title), fuzz.token_sort_ratio(said, title))
        if single_word:
            score = max([score, *(fuzz.ratio(said, w) for w in title.split() if len(w) >= 3)])
        scores.append(score)
    ranked = sorted(range(len(choices)), key=scores.__getitem__, reverse=True)
    best = scores[ranked[0]]
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    if best >= FUZZY_CUTOFF and best - runner_up >= FUZZY_LEAD:
        return choices[ranked[0]]
    return None


def pick_one_key(caps: Capabilities | None, choices: int) -> str:
    """The text key that asks again for one of ``choices`` options: "type its number"
    only where they are a numbered list, "tap a button" where they are buttons, neither
    where the channel is not known."""
    if caps is None:
        return "engine.pick_option"
    return "engine.pick_button" if caps.shows_buttons(choices) else "engine.pick_one"


def phone_answer(inbound: Inbound, *, assume_international: bool) -> tuple[str, bool] | None:
    """The phone number in an answer and whether the platform vouches it is the sender's."""
    for attachment in inbound.attachments:
        if attachment.kind == "contact" and attachment.phone:
            number = to_e164(attachment.phone)
            if number:
                return number, attachment.own_phone
    text = (inbound.text or "").strip()
    if not text or (not assume_international and not text.startswith(("+", "00"))):
        return None
    number = to_e164(text)
    return (number, False) if number else None
