"""The question a step's ``Ask`` leaves in the session, and the message that asks it.

Both are built on nearly every turn (a form asks a question per answer), so they cost as
little as their types allow: both are frozen, so a step's question and its message are
each built once and shared by every customer asked them (``asking``): an ``Ask`` costs
one hash and one comparison, not a validated ``Question`` and ``Outbound`` per turn.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.dialogue.steps import Ask, step_name
from bot.messages import Choices, Outbound, RequestPhone, Text
from bot.model import Question

#: A text question's message by its prompt: a flow asks the same few questions of every
#: customer, and a ``Text`` is frozen, so one serves them all instead of one per turn.
#: Bounded (a prompt may carry the customer's name): past this many it starts over.
_TEXT_PROMPTS: dict[str, Text] = {}
_KEPT_PROMPTS = 1024


def prompt_for(question: Question, phone_button: str, *, again: bool = False) -> Outbound:
    """The message that asks ``question``; ``again``: after an answer in between."""
    text = question.again if again and question.again else question.prompt
    if question.kind == "choice":
        return Choices(text=text, choices=tuple(question.choices))
    if question.kind == "phone":
        return RequestPhone(text=text, button=phone_button)
    prompt = _TEXT_PROMPTS.get(text)
    if prompt is None:
        if len(_TEXT_PROMPTS) >= _KEPT_PROMPTS:
            _TEXT_PROMPTS.clear()
        prompt = _TEXT_PROMPTS[text] = Text(text=text)
    return prompt


class Asking(NamedTuple):
    """What an ``Ask`` comes to: the question left pending and the message that asks it
    (None for a phone question: its button's label is in the customer's language)."""

    question: Question
    prompt: Outbound | None


#: What each ``Ask`` comes to, by the ``Ask`` (equal ones share it): a ``Question`` and
#: its message are frozen, so a step's are validated once, not once per customer asked.
#: Bounded as the prompts are.
_ASKED: dict[Ask, Asking] = {}


def asking(ask: Ask) -> Asking:
    """The question an ``Ask`` leaves pending and its message (shared: a wrong answer's
    count is a copy)."""
    try:
        asked = _ASKED.get(ask)
    except TypeError:  # choices given as a list: unhashable, so not shared
        return _asking(ask)
    if asked is None:
        if len(_ASKED) >= _KEPT_PROMPTS:
            _ASKED.clear()
        asked = _ASKED[ask] = _asking(ask)
    return asked


def question_of(ask: Ask) -> Question:
    """The question an ``Ask`` leaves pending (shared, as ``asking`` says)."""
    return asking(ask).question


def _asking(ask: Ask) -> Asking:
    kind = "choice" if ask.choices else ask.kind
    question = Question(slot=ask.slot, kind=kind, prompt=ask.prompt,
                        choices=list(ask.choices), then=step_name(ask.then), error=ask.error,
                        again=ask.again)
    return Asking(question, None if kind == "phone" else prompt_for(question, ""))
