"""The messages that ask a flow's questions: shared where they may be, never mixed up."""

from __future__ import annotations

from bot.dialogue import prompts
from bot.dialogue.prompts import prompt_for, question_of
from bot.dialogue.steps import Ask
from bot.messages import Choice, Choices, Text
from bot.model import Question


def test_customers_asked_the_same_text_question_share_one_frozen_message() -> None:
    first = prompt_for(Question(slot="name", prompt="What's your name?", then="x"), "")
    again = prompt_for(Question(slot="name", prompt="What's your name?", then="x"), "")
    other = prompt_for(Question(slot="city", prompt="Which city?", then="x"), "")
    assert first is again
    assert first == Text(text="What's your name?")
    assert other == Text(text="Which city?")


def test_the_shared_messages_are_bounded_when_prompts_carry_names() -> None:
    for n in range(prompts._KEPT_PROMPTS + 5):
        assert prompt_for(Question(slot="s", prompt=f"Hi {n}", then="x"), "") \
            == Text(text=f"Hi {n}")
    assert len(prompts._TEXT_PROMPTS) <= prompts._KEPT_PROMPTS


def test_each_pending_question_is_its_own_object_since_answers_change_it() -> None:
    ask = Ask("size", "Which size?", then="done",
              choices=[Choice(payload="s", title="S"), Choice(payload="m", title="M")])
    one, two = question_of(ask), question_of(ask)
    one.attempts += 1
    assert two.attempts == 0
    assert one.kind == "choice"
    assert prompt_for(one, "") == Choices(text="Which size?", choices=tuple(ask.choices))
