"""One locale rule (bot.dialogue.locales) for the engine, linking, the desk and merges."""

from __future__ import annotations

import pytest

from bot.dialogue import DialogueEngine, End, Flow, StepResult, Turn
from bot.dialogue.locales import choose_locale
from bot.messages import Identity, Inbound, SenderHint, text_of
from bot.model import Profile, Session

LOCALES = ("en", "es")


@pytest.mark.parametrize(("chosen", "reported", "expected"), [
    ("es", "en-GB", "es"),      # the customer's choice wins over their app
    (None, "es-ES", "es"),      # the app's language, without the region
    (None, "es_ES", "es"),      # some platforms write it with an underscore
    (None, "ES", "es"),
    ("fr", "es", "es"),         # a choice the bot does not speak counts as none
    (None, "pt-BR", "en"),      # an unconfigured language: the default
    (None, None, "en"),
    (None, "", "en"),
])
def test_the_rule(chosen: str | None, reported: str | None, expected: str) -> None:
    assert choose_locale(chosen, reported, locales=LOCALES, default="en") == expected


async def test_the_engine_answers_in_the_locale_it_gives_everyone_else() -> None:
    hello = Flow("hello")

    @hello.step
    async def greet(turn: Turn) -> StepResult:
        turn.say(turn.locale)
        return End()

    engine = DialogueEngine([hello], default_flow="hello", locales=LOCALES)
    inbound = Inbound(identity=Identity(channel="test", user_id="1"), message_id="1",
                      text="hola", sender=SenderHint(locale="es_ES"))
    profile = Profile()
    assert engine.locale_of(profile, inbound) == "es"
    assert engine.locale_of(profile) == "en", "no choice and no message: the default"
    result = await engine.handle(customer_id="c", session=Session(), profile=profile,
                                 inbound=inbound)
    assert [text_of(r) for r in result.replies] == ["es"]
    assert result.profile.locale == "es", "remembered for the turns without a message"
    assert engine.locale_of(result.profile) == "es"

