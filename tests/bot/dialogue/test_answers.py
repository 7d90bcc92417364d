"""Answers to offered choices, matched loosely, and the retry text in the channel's terms."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels import Capabilities
from bot.dialogue import Ask, Choice, DialogueEngine, End, Flow, StepResult, Texts, Turn
from bot.dialogue.answers import loose_choice, match_choice, pick_one_key
from bot.messages import Identity, Inbound
from bot.model import Profile, Question, Session
from bot.runtime import Runtime
from bot.testing import FlowTester
from connectors.collecting import CollectingConnector


def offered(*titles: str) -> list[Choice]:
    return [Choice(payload=f"c{n}", title=title) for n, title in enumerate(titles, start=1)]


BOOK = offered("Yes, book it", "No, change the time")
RESERVA = offered("Sí, resérvalo", "No, cambia la hora")
RETURNS = offered("Return", "Exchange")
MENU = offered("Start a return", "Track an order", "Talk to a person")


@pytest.mark.parametrize(("said", "choices", "picked"), [
    # the same title, any case, accents or punctuation
    ("yes, book it", BOOK, "Yes, book it"),
    ("YES BOOK IT!", BOOK, "Yes, book it"),
    ("si, reservalo", RESERVA, "Sí, resérvalo"),
    ("devolucion", offered("Devolución", "Cambio"), "Devolución"),
    # a yes or no word for the choice that starts with one
    ("yes", BOOK, "Yes, book it"),
    ("ok", BOOK, "Yes, book it"),
    ("no", BOOK, "No, change the time"),
    ("sí", RESERVA, "Sí, resérvalo"),
    ("si", RESERVA, "Sí, resérvalo"),
    ("Vale", RESERVA, "Sí, resérvalo"),
    # a word of the title, or a unique prefix
    ("track", MENU, "Track an order"),
    ("person", MENU, "Talk to a person"),
    ("ret", MENU, "Start a return"),
    ("exch", RETURNS, "Exchange"),
    # a typo
    ("retrun", RETURNS, "Return"),
    ("excahnge", RETURNS, "Exchange"),
    ("dinnr", offered("Lunch", "Dinner"), "Dinner"),
    ("talk to a persn", MENU, "Talk to a person"),
    # ambiguous or unrelated: nothing
    ("yes", offered("Yes, book it", "Yes, but later"), None),
    ("the", offered("The return", "The order"), None),
    ("lnch", offered("Lunch", "Launch"), None),
    ("re", MENU, None),
    ("hello there", offered("Lunch", "Dinner"), None),
    ("", BOOK, None),
])
def test_an_answer_picks_the_one_choice_it_stands_for(
    said: str, choices: list[Choice], picked: str | None,
) -> None:
    found = loose_choice(said, choices)
    assert (found.title if found else None) == picked


def answer(choices: list[Choice], text: str | None = None,
           payload: str | None = None) -> Choice | None:
    question = Question(slot="s", kind="choice", prompt="?", choices=choices, then="next")
    inbound = Inbound(identity=Identity(channel="test", user_id="1"), message_id="m",
                      text=text, payload=payload)
    return match_choice(question, inbound)


def test_exact_answers_keep_their_meaning_before_any_loose_match() -> None:
    choices = offered("Lunch", "Launch", "2 people")
    assert answer(choices, text="Launch") == choices[1], "an exact title beats a typo"
    assert answer(choices, text="2") == choices[1], "a number is the position"
    assert answer(choices, text="2.") == choices[1]
    assert answer(choices, text="7") is None, "a number out of range is not a fuzzy title"
    assert answer(choices, payload="c1", text="whatever") == choices[0]
    assert answer(choices, payload="nope", text="Lunch") is None, "a payload is exact"


@pytest.mark.parametrize(("caps", "key"), [
    (None, "engine.pick_option"),
    (Capabilities(max_buttons=3), "engine.pick_button"),
    (Capabilities(max_buttons=2), "engine.pick_one"),  # three choices: a numbered list
    (Capabilities(max_buttons=0), "engine.pick_one"),
])
def test_the_retry_key_follows_how_the_channel_shows_three_choices(
    caps: Capabilities | None, key: str,
) -> None:
    assert pick_one_key(caps, 3) == key


table = Flow("table", texts=Texts({
    "en": {"when": "Lunch or dinner?", "lunch": "Lunch", "dinner": "Dinner"},
    "es": {"when": "¿Comida o cena?", "lunch": "Comida", "dinner": "Cena"},
}))


@table.step
async def ask_time(turn: Turn) -> StepResult:
    choices = [Choice(payload="lunch", title=turn.t("lunch")),
               Choice(payload="dinner", title=turn.t("dinner"))]
    return Ask("when", turn.t("when"), then=booked, choices=choices)


@table.step
async def booked(turn: Turn) -> StepResult:
    turn.say(f"booked:{turn.slots['when']}")
    return End()


BUTTONS = Capabilities(max_buttons=3)
TEXT_ONLY = Capabilities(max_buttons=0)


@pytest.mark.parametrize(("caps", "locale", "retry"), [
    (BUTTONS, "en", "Please choose one of the options: tap a button, or type what it says."),
    (TEXT_ONLY, "en", "Please choose one of the options: type its number or its name."),
    (BUTTONS, "es", "Elige una de las opciones: pulsa un botón o escribe lo que dice."),
    (TEXT_ONLY, "es", "Elige una de las opciones: escribe su número o su nombre."),
])
async def test_a_wrong_pick_is_asked_again_in_the_channels_terms(
    caps: Capabilities, locale: str, retry: str,
) -> None:
    async with FlowTester([table], capabilities=caps, locale=locale) as chat:
        await chat.send("hi")
        again = await chat.send("pizza")
        assert again.text.startswith(retry)
        assert ("number" in retry or "número" in retry) == (caps is TEXT_ONLY), (
            "'type its number' only where the choices are numbered")


async def test_a_typed_answer_close_to_a_title_is_taken() -> None:
    async with FlowTester([table], capabilities=TEXT_ONLY) as chat:
        await chat.send("hi")
        assert (await chat.send("dinnr")).text == "booked:dinner"


async def test_an_engine_that_does_not_know_the_channel_names_neither_buttons_nor_numbers(
) -> None:
    engine = DialogueEngine([table])
    inbound = Inbound(identity=Identity(channel="x", user_id="1"), message_id="1", text="hi")
    first = await engine.handle(customer_id="c", session=Session(), profile=Profile(),
                                inbound=inbound)
    wrong = inbound.model_copy(update={"message_id": "2", "text": "pizza"})
    again = await engine.handle(customer_id="c", session=first.session,
                                profile=first.profile, inbound=wrong)
    assert getattr(again.replies[0], "text", "") == "Please choose one of the options above."


async def test_the_runtime_tells_the_engine_what_each_channel_shows(make_settings: Any) -> None:
    """Wired in bot/runtime.py: the same wrong pick, on a button channel and a text one."""
    web = CollectingConnector(channel="webchat", capabilities=BUTTONS)
    sms = CollectingConnector(channel="sms", capabilities=TEXT_ONLY)
    async with Runtime(make_settings(), flows=[table], connectors=[web, sms],
                       serve_http=False) as runtime:
        for channel in (web, sms):
            for n, text in enumerate(("hi", "pizza")):
                await runtime.pipeline.submit([Inbound(
                    identity=Identity(channel=channel.channel, user_id="u"),
                    message_id=f"{channel.channel}{n}", text=text)])
                await runtime.settle()
    assert web.sent[1].text.startswith("Please choose one of the options: tap a button")
    assert sms.sent[1].text.startswith("Please choose one of the options: type its number")
