"""Fuzzing the Telegram update parser (``connectors/telegram/updates.py``), called directly.

Its contract: any update gives a list of at most one ``Inbound`` of this bot, or ``[]``
(ignored); it never raises. The helpers the connector calls on the same raw update
(``callback_query_id``, ``button_title``) never raise either.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.messages import Inbound
from connectors.telegram.updates import button_title, callback_query_id, parse_update
from tests.fuzz.profile import costly_settings
from tests.fuzz.strategies import (
    HUGE_INT,
    deep,
    mutated,
    objects,
    paths,
    replaced,
    sample,
    samples,
    texts,
    wrong_everywhere,
)

ACCOUNT = "123456"
KEYS = ["update_id", "message", "callback_query", "from", "chat", "type", "id", "text",
        "caption", "photo", "document", "contact", "location", "data", "reply_markup",
        "inline_keyboard", "callback_data", "width", "height", "file_size", "file_id",
        "phone_number", "user_id", "latitude", "longitude", "date", "is_bot", "first_name",
        "last_name", "language_code", "file_name", "mime_type"]
SAMPLES = samples("telegram")


def expect_parsed_or_ignored(update: dict[str, Any]) -> list[Inbound]:
    """The only outcomes the connector may see: one inbound of this bot, or none."""
    inbounds = parse_update(update, account=ACCOUNT)
    assert isinstance(inbounds, list) and len(inbounds) <= 1
    for inbound in inbounds:
        assert isinstance(inbound, Inbound)
        assert inbound.identity.channel == "telegram" and inbound.identity.account == ACCOUNT
        assert inbound.message_id == f"u{update['update_id']}"
        assert inbound.text or inbound.payload or inbound.attachments
    query = callback_query_id(update)
    assert query is None or isinstance(query, str)
    if inbounds and inbounds[0].payload is not None:
        title = button_title(update, inbounds[0].payload)
        assert title is None or isinstance(title, str)
    return inbounds


def _photo(**sizes: Any) -> dict[str, Any]:
    update = sample("telegram", "photo")
    update["message"]["photo"][0].update(sizes)
    return update


def _location(latitude: Any) -> dict[str, Any]:
    update = sample("telegram", "location")
    update["message"]["location"]["latitude"] = latitude
    return update


def _keyboard(markup: Any) -> dict[str, Any]:
    update = sample("telegram", "callback_query")
    update["callback_query"]["data"] = "~expired"
    update["callback_query"]["message"]["reply_markup"] = markup
    return update


@given(st.one_of(objects(KEYS), mutated(SAMPLES, KEYS)))
# Found by this property (each raised out of parse_update before the fix):
@example(_location(HUGE_INT))  # float(10**400): OverflowError
@example({**sample("telegram", "text"), "message": {
    **sample("telegram", "text")["message"], "date": HUGE_INT}})  # the same, in the date
@example(_photo(width="w", height=10**12))  # "w" * 10**12: MemoryError
def test_any_update_is_parsed_or_ignored(update: dict[str, Any]) -> None:
    expect_parsed_or_ignored(update)


@costly_settings
@given(st.one_of(st.none(), st.booleans(), texts(), st.integers(), objects(KEYS),
                 st.lists(objects(KEYS), max_size=3),
                 st.lists(st.lists(objects(KEYS), max_size=3), max_size=3)))
# Found: a button key we no longer know, pressed on a keyboard of the wrong shape, made
# button_title raise (AttributeError, TypeError), and the webhook answer 500.
@example("not a keyboard")
@example({"inline_keyboard": 5})
@example({"inline_keyboard": [5]})
def test_a_malformed_keyboard_never_breaks_an_expired_button(markup: Any) -> None:
    [inbound] = expect_parsed_or_ignored(_keyboard(markup))
    assert inbound.payload == "~expired"


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_every_field_of_every_example_given_every_wrong_value(index: int) -> None:
    for label, update in wrong_everywhere(SAMPLES[index]):
        try:
            expect_parsed_or_ignored(update)
        except BaseException as exc:
            raise AssertionError(f"example {index} with {label}: {exc!r}") from exc


@pytest.mark.parametrize("container", ["list", "dict"])
def test_a_deeply_nested_value_in_any_field_is_not_recursed_into(container: str) -> None:
    """What json.loads refuses is another finding (11); a parser handed a deep tree by an
    SDK must not recurse into it either."""
    for name in ("text", "contact_own", "photo", "callback_query", "document", "location"):
        update = sample("telegram", name)
        for path in sorted(paths(update), key=repr):
            expect_parsed_or_ignored(replaced(update, path, deep(5000, container)))
