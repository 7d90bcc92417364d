"""Typed slots: a flow declares them as a pydantic model (or a mapping, as before); steps
read Python values of those types (a ``date`` is a ``date``) while the session, in the
store, stays plain JSON; a model filled halfway is not an error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Annotated, Literal

import pytest
from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    field_validator,
)

from bot.dialogue import Ask, Choice, DialogueEngine, End, Flow, StepResult, Turn, command
from bot.dialogue.slots import SlotTypes
from bot.dispatch import Dispatcher
from bot.messages import Identity, Inbound
from bot.pipeline import Pipeline
from bot.store.store import Store
from bot.testing import FlowTester
from connectors.collecting import CollectingConnector

TOMORROW = date.today() + timedelta(days=1)
OrderNumber = Annotated[str, BeforeValidator(lambda text: str(text).strip().upper()),
                        StringConstraints(pattern=r"^A\d{4}$")]


class Booking(BaseModel):
    day: date
    people: int = Field(ge=1, le=12)
    time: Literal["lunch", "dinner"]
    note: str = "none"

    @field_validator("people")
    @classmethod
    def tables_of_two(cls, people: int) -> int:
        return people + people % 2  # the model's own validators run too


booking = Flow("booking", triggers=command("book"), slots=Booking)


@booking.step
async def ask_day(turn: Turn) -> StepResult:
    return Ask("day", "Which day?", then=ask_people)


@booking.step
async def ask_people(turn: Turn) -> StepResult:
    so_far = turn.slots_as(Booking)  # partly filled: day only (and note's default)
    assert isinstance(so_far.day, date)
    assert so_far.model_fields_set == {"day"} and so_far.note == "none"
    with pytest.raises(AttributeError):
        _ = so_far.people
    return Ask("people", f"How many on {so_far.day:%d %B}?", then=ask_time)


@booking.step
async def ask_time(turn: Turn) -> StepResult:
    return Ask("time", "Lunch or dinner?", then=confirm, choices=[
        Choice(payload="lunch", title="Lunch"), Choice(payload="dinner", title="Dinner")])


@booking.step
async def confirm(turn: Turn) -> StepResult:
    table = turn.slots_as(Booking)
    day = turn.slots["day"]
    turn.say(f"{type(day).__name__} {type(table.day).__name__} {type(table.people).__name__}: "
             f"{table.people} for {table.time} on {table.day.isoformat()}")
    turn.slots["day"] = table.day + timedelta(days=1)  # a step may set a typed slot
    turn.say(f"moved to {turn.slots['day'].isoformat()}")
    return End()


orders = Flow("orders", triggers=command("order"), slots={"order": OrderNumber, "on": date,
                                                        "count": int})


@orders.step
async def ask_order(turn: Turn) -> StepResult:
    return Ask("order", "Order?", then=ask_on)


@orders.step
async def ask_on(turn: Turn) -> StepResult:
    return Ask("on", "Delivered on?", then=ask_count)


@orders.step
async def ask_count(turn: Turn) -> StepResult:
    return Ask("count", "How many items?", then=report)


@orders.step
async def report(turn: Turn) -> StepResult:
    on, count = turn.slots["on"], turn.slots["count"]
    turn.say(f"{turn.slots['order']} {type(on).__name__} {on.isoformat()} "
             f"{type(count).__name__} {count}")
    return End()


def test_a_models_fields_validate_their_slots_and_convert_both_ways() -> None:
    types = SlotTypes(Booking)
    assert types.names == {"day", "people", "time", "note"}
    assert types.validate("day", "2026-05-03") == date(2026, 5, 3)
    assert types.to_json("day", date(2026, 5, 3)) == "2026-05-03"
    assert types.from_json("day", "2026-05-03") == date(2026, 5, 3)
    assert types.validate("people", 3) == 4, "the model's field validator ran"
    with pytest.raises(ValidationError):
        types.validate("people", 0)
    assert types.validate("undeclared", {"any": "thing"}) == {"any": "thing"}
    assert types.schema("people")["maximum"] == 12
    partial = types.as_model(Booking, {"day": "2026-05-03"})
    assert partial.day == date(2026, 5, 3) and partial.model_fields_set == {"day"}


def test_a_mapping_of_types_converts_both_ways_too() -> None:
    types = SlotTypes({"order": OrderNumber, "on": date})
    assert types.validate("order", " a1001 ") == "A1001"
    assert types.to_json("on", date(2026, 5, 3)) == "2026-05-03"
    assert types.from_json("on", "2026-05-03") == date(2026, 5, 3)
    assert types.schema("on") == {"format": "date", "type": "string"}


def test_plain_slots_keep_their_answers_and_the_rest_still_go_through_their_serializers(
) -> None:
    # Plain str/int/bool answers are JSON as they are (the hot path skips the dump); a
    # type with its own serializer, a float and a date are still written by pydantic.
    upper = Annotated[str, PlainSerializer(str.upper)]
    types = SlotTypes({"name": str, "age": int, "ok": bool, "code": upper, "x": float,
                       "on": date})
    assert types.to_json("name", types.validate("name", "Ana")) == "Ana"
    assert types.to_json("age", types.validate("age", "42")) == 42
    assert types.to_json("ok", types.validate("ok", "yes")) is True
    assert types.to_json("code", types.validate("code", "ab1")) == "AB1"
    assert types.to_json("x", types.validate("x", "2.5")) == 2.5
    assert types.to_json("on", date(2026, 5, 3)) == "2026-05-03"


@pytest.fixture
async def pipeline(store: Store) -> AsyncIterator[tuple[Pipeline, CollectingConnector]]:
    web = CollectingConnector(channel="webchat")
    dispatcher = Dispatcher(store=store, connectors={"webchat": web})
    engine = DialogueEngine([booking, orders], default_flow="booking")
    running = Pipeline(store=store, engine=engine, dispatcher=dispatcher)
    yield running, web
    await running.close(5)
    await dispatcher.close(5)


async def says(pipeline: Pipeline, web: CollectingConnector, text: str) -> list[str]:
    """One message, in its own turn: the session is loaded from the store and committed."""
    before = len(web.sent)
    await pipeline.submit([Inbound(identity=Identity(channel="webchat", user_id="v1"),
                                   message_id=f"m{text}", text=text)])
    await pipeline.turns.wait_idle()
    await pipeline.dispatcher.senders.wait_idle()
    return [s.text for s in web.sent[before:]]


async def test_a_date_answered_in_one_turn_is_a_date_in_the_next_turns_step(
    pipeline: tuple[Pipeline, CollectingConnector], store: Store,
) -> None:
    running, web = pipeline
    assert await says(running, web, "/book") == ["Which day?"]
    assert await says(running, web, "tomorrow") == [f"How many on {TOMORROW:%d %B}?"]
    customer = await store.resolve(Identity(channel="webchat", user_id="v1"))
    stored, _ = await store.load(customer)
    assert stored.stack[-1].slots == {"day": TOMORROW.isoformat()}, "JSON in the store"
    assert await says(running, web, "three") == ["Lunch or dinner?"]
    done = await says(running, web, "dinner")
    assert done == [f"date date int: 4 for dinner on {TOMORROW.isoformat()}",
                    f"moved to {(TOMORROW + timedelta(days=1)).isoformat()}"]


async def test_the_mapping_form_comes_back_typed_through_the_store(
    pipeline: tuple[Pipeline, CollectingConnector],
) -> None:
    running, web = pipeline
    await says(running, web, "/order")
    await says(running, web, "a1001")
    await says(running, web, "2026-11-30")
    assert await says(running, web, "two") == ["A1001 date 2026-11-30 int 2"]


class Table(BaseModel):
    people: int = Field(ge=1, le=8)
    day: date
    time: Literal["lunch", "dinner"]


WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
tables = Flow("tables", triggers=command("mesa"), slots=Table)


@tables.step
async def how_many(turn: Turn) -> StepResult:
    return Ask("people", "¿Cuántos sois?", then=which_day)


@tables.step
async def which_day(turn: Turn) -> StepResult:
    return Ask("day", "¿Qué día?", then=what_time)


@tables.step
async def what_time(turn: Turn) -> StepResult:
    return Ask("time", "¿Comida o cena?", then=booked, choices=[
        Choice(payload="lunch", title="Comida"), Choice(payload="dinner", title="Cena")])


@tables.step
async def booked(turn: Turn) -> StepResult:
    table = turn.slots_as(Table)
    weekday = WEEKDAYS[table.day.weekday()]
    turn.say(f"Mesa para {table.people}, {weekday} {table.day.day}, {table.time}.")
    return End(result=table.model_dump(mode="json"))


async def test_a_booking_flow_with_a_typed_model_in_spanish() -> None:
    today = date.today()
    friday = today + timedelta(days=(4 - today.weekday() - 1) % 7 + 1)
    async with FlowTester([tables], locale="es") as chat:
        assert (await chat.send("/mesa")).text == "¿Cuántos sois?"
        assert (await chat.send("nueve")).text == (
            "Envía un número igual o menor que 8.\n¿Cuántos sois?")
        assert (await chat.send("somos cuatro")).text == "¿Qué día?"
        assert (await chat.send("el finde")).text.startswith("Envía una fecha")
        assert (await chat.send("el próximo viernes")).choices == ["Comida", "Cena"]
        done = await chat.send("cena")
        assert done.text == f"Mesa para 4, viernes {friday.day}, dinner."
        assert chat.slots == {"people": 4, "day": friday.isoformat(), "time": "dinner"}
