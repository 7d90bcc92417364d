"""What the engine works out once per step, not per message: the same turn as before.

A step's question and its message are shared by every customer asked them; the steps
of one frame see one ``Turn``; a slot's validation is decided at its first answer; a
frame's step is entered as pydantic's own assignment would set it.
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, Field, ValidationError

from bot.dialogue import Ask, Call, DialogueEngine, End, Flow, Goto, StepResult, Turn
from bot.dialogue.prompts import asking
from bot.dialogue.slots import SlotTypes
from bot.messages import Choice, Choices, Identity, Inbound
from bot.model import Frame, Profile, Session


def test_customers_asked_the_same_choice_question_share_its_message() -> None:
    choices = (Choice(payload="s", title="S"), Choice(payload="m", title="M"))
    one = asking(Ask("size", "Which size?", then="done", choices=choices))
    two = asking(Ask("size", "Which size?", then="done", choices=choices))
    assert one.prompt is two.prompt, "an equal Ask finds the same frozen message"
    assert one.prompt == Choices(text="Which size?", choices=choices)
    phone = asking(Ask("phone", "Your number?", then="done", kind="phone"))
    assert phone.prompt is None, "a phone button's label is the customer's language's"


def test_a_frame_entering_a_step_is_what_assigning_its_fields_does() -> None:
    assigned, entered = (Frame(flow="f", step="a", started_at=1.0, updated_at=1.0)
                         for _ in range(2))
    assigned.step = "b"
    assigned.updated_at = 5.0
    entered.enter("b")
    assert entered.step == "b" and entered.updated_at > 1.0
    assert entered.model_fields_set == assigned.model_fields_set
    entered.updated_at = 5.0
    assert entered.model_dump_json() == assigned.model_dump_json()
    assert not Frame.model_config.get("validate_assignment"), \
        "Frame.enter sets fields as a model that validates no assignment does"


class Booking(BaseModel):
    day: date
    people: int = Field(ge=1)


def test_a_slots_checks_give_what_validating_and_dumping_gave() -> None:
    mapped, modelled = SlotTypes({"day": date, "people": int, "note": str}), SlotTypes(Booking)
    for types in (mapped, modelled):
        for _ in range(2):  # worked out at the first answer, then reused
            assert types.check("day", "2026-05-03") == "2026-05-03"
            assert types.validate("day", "2026-05-03") == date(2026, 5, 3)
            assert types.check("people", "4") == 4
            assert types.check("other", [1]) == [1], "undeclared: as given"
    assert mapped.check("note", "hi") == "hi"
    with pytest.raises(ValidationError):
        modelled.check("people", 0)
    with pytest.raises(ValidationError):
        mapped.check("day", "not a day")


seen: list[Turn] = []
steps = Flow("steps", slots={"age": int})
inner = Flow("inner")


@steps.step
async def first(turn: Turn) -> StepResult:
    seen.append(turn)
    turn.slots["age"] = 30
    return Goto(second)


@steps.step
async def second(turn: Turn) -> StepResult:
    seen.append(turn)
    return Call("inner", then=third)


@steps.step
async def third(turn: Turn) -> StepResult:
    seen.append(turn)
    turn.say(f"{turn.flow} {turn.slots['age']} {turn.slots['inner']}")
    return End()


@inner.step
async def inner_only(turn: Turn) -> StepResult:
    seen.append(turn)
    return End(result="done")


async def test_the_steps_of_one_frame_share_a_turn_and_a_sub_flow_has_its_own() -> None:
    seen.clear()
    engine = DialogueEngine([steps, inner], default_flow="steps")
    inbound = Inbound(identity=Identity(channel="test", user_id="u"), message_id="m",
                      text="hi")
    result = await engine.handle(customer_id="c", session=Session(), profile=Profile(),
                                 inbound=inbound)
    assert [getattr(r, "text", "") for r in result.replies] == ["steps 30 done"]
    assert seen[0] is seen[1], "Goto in the same frame: the same Turn"
    assert seen[2] is not seen[1] and seen[2].flow == "inner"
    assert seen[3] is not seen[1], "back in the caller's frame after the sub-flow: anew"
    assert seen[3].flow == "steps" and seen[3].slots["age"] == 30
    assert result.steps == [("steps", "first"), ("steps", "second"), ("inner", "inner_only"),
                            ("steps", "third")]
