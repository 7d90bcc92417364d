"""A wrong answer is told in the customer's language, as specifically as the slot's type
allows, and never with pydantic's message (which is English, for developers)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, StringConstraints

from bot.dialogue import Ask, End, Flow, StepResult, Turn, command
from bot.testing import FlowTester

TOMORROW = date.today() + timedelta(days=1)


class Form(BaseModel):
    day: date = Field(ge=date(2000, 1, 1))
    people: int = Field(ge=1, le=12)
    price: float
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]\d{3}$")]
    name: str = Field(min_length=2)
    size: int


form = Flow("form", triggers=command("form"), slots=Form)


def asking(slot: str, then: str, error: str | None = None) -> None:
    """A step named ``slot`` that asks "slot?", then goes to step ``then``."""
    async def step(turn: Turn) -> StepResult:
        return Ask(slot, f"{slot}?", then=then, error=error)

    step.__name__ = slot
    form.step(step)


ORDER = ["start", "day", "people", "price", "code", "name"]  # /form asks "start?" (free text)
for slot, after in zip(ORDER, [*ORDER[1:], "size"], strict=True):
    asking(slot, then=after)
asking("size", then="done", error="Send a number, like 4.")


@form.step
async def done(turn: Turn) -> StepResult:
    return End()


PYDANTIC_WORDS = ("Input should", "valid", "pydantic", "String should", "greater than or equal")


@pytest.mark.parametrize(("slot", "answer", "en", "es"), [
    ("day", "someday", "Please send a date, like tomorrow, next Friday or 3 May.",
     "Envía una fecha, como mañana, el próximo viernes o 3 de mayo."),
    ("day", "1999-05-03", "Please choose a date from January 1, 2000 on.",
     "Elige una fecha a partir del 1 de enero de 2000."),
    ("people", "lots", "Please send a whole number, like 2 or two.",
     "Envía un número entero, como 2 o dos."),
    ("people", "0", "Please send a number of at least 1.", "Envía un número igual o mayor que 1."),
    ("people", "20", "Please send a number of at most 12.",
     "Envía un número igual o menor que 12."),
    ("people", "2.5", "Please send a whole number, like 2 or two.",
     "Envía un número entero, como 2 o dos."),
    ("price", "cheap", "Please send a number, like 2 or two.", "Envía un número, como 2 o dos."),
    ("code", "hello", "That doesn't have the format I expected. Please check it and send it again.",
     "Eso no tiene el formato que esperaba. Revísalo y envíalo de nuevo."),
    ("name", "x", "That's too short: send at least 2 characters.",
     "Es demasiado corto: envía al menos 2 caracteres."),
    # The flow's own error text wins over all of them.
    ("size", "lots", "Send a number, like 4.", "Send a number, like 4."),
])
@pytest.mark.parametrize("locale", ["en", "es"])
async def test_a_wrong_answer_is_told_in_the_customers_words(
    slot: str, answer: str, en: str, es: str, locale: str,
) -> None:
    async with FlowTester([form], locale=locale) as chat:
        await chat.send("/form")
        chat.session.stack[-1].question = None
        chat.session.stack[-1].step = slot  # straight to the question under test
        assert (await chat.send("again")).text == f"{slot}?"
        retry = await chat.send(answer)
        assert retry.text == f"{en if locale == 'en' else es}\n{slot}?"
        assert not any(word in retry.text for word in PYDANTIC_WORDS), retry.text


@pytest.mark.parametrize(("locale", "answer"), [("en", "tomorrow"), ("es", "mañana")])
async def test_a_right_answer_in_the_customers_words_is_taken(locale: str, answer: str) -> None:
    async with FlowTester([form], locale=locale) as chat:
        await chat.send("/form")
        chat.session.stack[-1].question = None
        chat.session.stack[-1].step = "day"
        await chat.send("again")
        assert (await chat.send(answer)).text == "people?"
        assert chat.slots["day"] == TOMORROW.isoformat(), "stored as JSON in the session"
        assert (await chat.send("dos" if locale == "es" else "two")).text == "price?"
        assert chat.slots["people"] == 2
