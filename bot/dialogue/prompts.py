"""The question a step's ``Ask`` leaves in the session, and the message that asks it.

Both are built on nearly every turn (a form asks a question per answer), so they cost as
little as their types allow: both are frozen, so a step's question and a text question's
message are each built once and shared by every customer asked them.
"""

from __future__ import annotations

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


#: The question each ``Ask`` leaves pending, by the ``Ask`` (equal ones share it): a
#: ``Question`` is frozen, so a step's question is validated once, not once per customer
#: asked. Bounded as the prompts are.
_QUESTIONS: dict[Ask, Question] = {}


def question_of(ask: Ask) -> Question:
    """The question an ``Ask`` leaves pending (shared: a wrong answer's count is a copy)."""
    try:
        question = _QUESTIONS.get(ask)
    except TypeError:  # choices given as a list: unhashable, so not shared
        return _question(ask)
    if question is None:
        if len(_QUESTIONS) >= _KEPT_PROMPTS:
            _QUESTIONS.clear()
        question = _QUESTIONS[ask] = _question(ask)
    return question


def _question(ask: Ask) -> Question:
    kind = "choice" if ask.choices else ask.kind
    return Question(slot=ask.slot, kind=kind, prompt=ask.prompt, choices=list(ask.choices),
                    then=step_name(ask.then), error=ask.error, again=ask.again)
