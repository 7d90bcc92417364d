"""Fuzzing the web chat frame parsing (``connectors/webchat/connector.py``), called directly:
the decoding of a text frame and ``WebChatConnector.parse`` of the decoded object.

The contract: a frame is a JSON object or refused (``None``, answered with an error
frame); a decoded frame gives at most one bounded ``Inbound`` or ``[]``; neither raises.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from bot.messages import Inbound
from connectors.webchat.connector import MAX_TEXT, WebChatConnector
from connectors.webchat.frames import decode
from tests.fuzz.strategies import deep, objects, texts, trees

KEYS = ["type", "id", "text", "payload", "title", "token", "locale", "visitor"]
CONNECTOR = WebChatConnector()


def frames() -> st.SearchStrategy[dict[str, Any]]:
    """Objects shaped like the protocol's frames, with any field wrong or missing."""
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["message", "choice", "hello", "x"])},
        optional={"id": st.one_of(texts(), trees(KEYS)), "text": st.one_of(texts(), trees(KEYS)),
                  "payload": st.one_of(texts(), trees(KEYS)),
                  "title": st.one_of(texts(), trees(KEYS)), "locale": texts()},
    ) | objects(KEYS)


def expect_parsed_or_ignored(frame: dict[str, Any]) -> list[Inbound]:
    inbounds = CONNECTOR.parse({**frame, "visitor": "v1"})
    assert isinstance(inbounds, list) and len(inbounds) <= 1
    for inbound in inbounds:
        assert inbound.identity.user_id == "v1" and 0 < len(inbound.message_id) <= 100
        assert inbound.text or inbound.payload
        assert len(inbound.text or "") <= MAX_TEXT or inbound.payload is not None
        assert len(inbound.payload or "") <= 1000
    return inbounds


@given(st.one_of(texts(), st.binary().map(lambda b: b.decode("latin-1")),
                 frames().map(json.dumps)))
@example("[" * 10_000)  # Found: RecursionError; the socket was dropped without an answer.
@example('{"a":' * 10_000)
def test_any_text_frame_is_decoded_or_refused(raw: str) -> None:
    frame = decode(raw)
    assert frame is None or isinstance(frame, dict)


@given(frames())
# Found: a choice with an empty payload was recorded as an empty message.
@example({"type": "choice", "id": "0", "payload": "", "title": ""})
def test_any_frame_is_parsed_or_ignored(frame: dict[str, Any]) -> None:
    expect_parsed_or_ignored(frame)


@given(texts())
def test_a_choice_title_is_bounded(title: str) -> None:
    inbounds = expect_parsed_or_ignored({"type": "choice", "id": "c1", "payload": "p",
                                         "title": title})
    assert all(len(i.text or "") <= MAX_TEXT for i in inbounds)


@given(st.text(st.characters(categories=["Cs"]), min_size=1))
def test_text_that_is_not_unicode_is_not_accepted(text: str) -> None:
    # As it arrives: JSON escapes a lone surrogate as \\ud800, in valid UTF-8.
    frame = decode(json.dumps({"type": "message", "id": "c1", "text": text}))
    for inbound in expect_parsed_or_ignored(frame) if frame is not None else []:
        (inbound.text or "").encode("utf-8")


def test_a_deep_value_in_any_field_is_not_recursed_into() -> None:
    for key in KEYS:
        expect_parsed_or_ignored({"type": "message", "id": "c1", "text": "hi",
                                  key: deep(5000)})
