"""The messages that ask a flow's questions: shared where they may be, never mixed up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.dialogue import DialogueEngine, End, Flow, StepResult, Turn, TurnResult, prompts
from bot.dialogue.prompts import prompt_for, question_of
from bot.dialogue.steps import Ask
from bot.messages import Choice, Choices, Identity, Inbound, Text
from bot.model import Profile, Question, Session


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


def test_customers_asked_the_same_question_share_one_frozen_question() -> None:
    ask = Ask("size", "Which size?", then="done",
              choices=(Choice(payload="s", title="S"), Choice(payload="m", title="M")))
    one, two = question_of(ask), question_of(Ask(**{f: getattr(ask, f) for f in SLOTS}))
    assert one is two, "an equal Ask (every turn builds its own) finds the same question"
    with pytest.raises(ValidationError):
        one.attempts += 1  # type: ignore[misc]  # frozen: a wrong answer's count is a copy
    assert one.kind == "choice"
    assert prompt_for(one, "") == Choices(text="Which size?", choices=tuple(ask.choices))
    listed = Ask("size", "Which size?", then="done", choices=list(ask.choices))
    assert question_of(listed) == one, "choices in a list (unhashable) are not shared"


def test_the_shared_questions_are_bounded_when_prompts_carry_names() -> None:
    for n in range(prompts._KEPT_PROMPTS + 5):
        assert question_of(Ask("s", f"Hi {n}", then="x")).prompt == f"Hi {n}"
    assert len(prompts._ASKED) <= prompts._KEPT_PROMPTS


async def test_a_wrong_answer_counts_for_its_customer_only() -> None:
    """The question is shared; the count of wrong answers is the customer's own."""
    engine = DialogueEngine([form], default_flow="ages")
    sessions = {"a": Session(), "b": Session()}
    for customer in sessions:
        await _say(engine, sessions, customer, "hi")  # both asked "How old are you?"
    shared = sessions["b"].frame
    assert shared is not None and shared.question is not None
    for _ in range(2):
        result = await _say(engine, sessions, "a", "old enough")
    frame = sessions["a"].frame
    assert frame is not None and frame.question is not None
    assert frame.question.attempts == 2
    assert shared.question.attempts == 0
    assert question_of(Ask("age", "How old are you?", then=done)).attempts == 0
    assert [getattr(r, "text", "") for r in result.replies][-1] == "How old are you?"
    result = await _say(engine, sessions, "b", "41")
    assert [getattr(r, "text", "") for r in result.replies] == ["41, noted."]


SLOTS = ("slot", "prompt", "then", "choices", "kind", "error", "again")
form = Flow("ages", slots={"age": int})


@form.step
async def ask_age(turn: Turn) -> StepResult:
    return Ask("age", "How old are you?", then=done)


@form.step
async def done(turn: Turn) -> StepResult:
    turn.say(f"{turn.slots['age']}, noted.")
    return End()


async def _say(engine: DialogueEngine, sessions: dict[str, Session], customer: str,
               text: str) -> TurnResult:
    inbound = Inbound(identity=Identity(channel="test", user_id=customer),
                      message_id=f"{customer}-{text}-{id(object())}", text=text)
    result = await engine.handle(customer_id=customer, session=sessions[customer],
                                 profile=Profile(), inbound=inbound)
    sessions[customer] = result.session
    return result
