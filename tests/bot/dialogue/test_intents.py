"""The global intents match a whole message however it is spaced, cased or ended, and a
longer message (most free text) is none of them without being folded."""

from __future__ import annotations

import pytest

from bot.dialogue.intents import Intent, IntentMatcher
from bot.dialogue.texts import ENGINE_TEXTS
from bot.messages import Identity, Inbound

MATCHER = IntentMatcher(ENGINE_TEXTS, ["en", "es"])


def said(text: str) -> Inbound:
    return Inbound(identity=Identity(channel="webchat", user_id="w"), message_id="1",
                   text=text)


@pytest.mark.parametrize("text", [
    "talk to a person", "  Talk   TO a PERSON  ", "talk to a person!!", "talk to a person .",
    "talk to a person !", "TALK\tto a\nperson.",
])
def test_the_longest_phrase_matches_however_it_is_written(text: str) -> None:
    assert MATCHER.match(said(text)) == Intent("human")


def test_a_message_longer_than_every_phrase_matches_none() -> None:
    assert MATCHER.match(said("i would like to talk to a person please")) is None
    assert MATCHER.match(said("talk to a person a")) is None


def test_every_phrase_of_every_locale_matches_as_written() -> None:
    phrases = [phrase for name in ("cancel", "help", "human", "language")
               for values in ENGINE_TEXTS.all_values(f"intent.{name}").values()
               for phrase in values.split("|")]
    assert phrases
    for phrase in phrases:
        assert MATCHER.match(said(f" {phrase.upper()} !")) is not None, phrase
