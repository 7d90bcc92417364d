"""Segments (GSM-7 and UCS-2) and long texts into messages: pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sms.segments import (
    GSM7,
    MAX_BODY,
    UCS2,
    body_length,
    encoding_of,
    segment_count,
    split_messages,
)


@pytest.mark.parametrize(("text", "segments"), [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("€" * 80, 1),  # extension characters take two septets
    ("€" * 81, 2),
    ("a" * 152 + "€" + "a" * 152, 3),  # 306 septets, but an escape pair is never split
    ("ñandú", 1),
    ("á" * 70, 1),  # 'á' is not in GSM-7: UCS-2
    ("á" * 71, 2),
    ("á" * 134, 2),
    ("á" * 135, 3),
    ("😀" * 35, 1),  # a surrogate pair takes two units
    ("😀" * 36, 2),
    ("a" * 66 + "😀" + "a" * 66, 3),  # 134 units, but a surrogate pair is never split
])
def test_segments_are_counted_like_a_carrier(text: str, segments: int) -> None:
    assert segment_count(text) == segments


def test_the_encoding_follows_the_characters() -> None:
    assert encoding_of("Hola, ¿qué tal? ¡Ñu! 5€ [x]") is GSM7
    assert encoding_of("¿Cómo estás?") is UCS2  # 'ó' is not in GSM-7
    assert encoding_of("“quoted”") is UCS2
    assert body_length("a😀") == 3


def test_a_short_text_is_one_message() -> None:
    assert split_messages("Hello there", 10) == ["Hello there"]
    assert split_messages("", 10) == [""]


def test_long_texts_become_several_messages_at_word_boundaries() -> None:
    words = " ".join(f"word{i}" for i in range(600))
    parts = split_messages(words, 2)
    assert len(parts) > 1
    assert all(segment_count(part) <= 2 for part in parts)
    assert " ".join(parts) == words  # nothing lost, cut only where there were spaces
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in parts)


def test_paragraphs_are_preferred_to_words() -> None:
    first = "First paragraph " * 8
    text = first.strip() + "\n\n" + "second " * 30
    parts = split_messages(text, 1)
    assert parts[0] == first.strip()


def test_one_ucs2_character_makes_the_part_smaller() -> None:
    plain = "x" * 150 + " " + "y" * 10
    assert split_messages(plain, 2) == [plain]  # 161 septets: two GSM-7 segments
    # With one 'ó' the whole text goes as UCS-2, which holds 134 units in two segments.
    assert split_messages(plain + "ó", 2) == ["x" * 150, "y" * 10 + "ó"]


def test_twilio_body_limit_holds_whatever_the_segments() -> None:
    text = "a " * 2000
    parts = split_messages(text, 24)
    assert all(body_length(p) <= MAX_BODY for p in parts)
    assert max(segment_count(p) for p in parts) <= 11


def test_no_boundary_means_a_hard_cut() -> None:
    parts = split_messages("x" * 400, 1)
    assert parts == ["x" * 160, "x" * 160, "x" * 80]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ñ€\n😀áz"), max_size=3000),
       st.integers(min_value=1, max_value=24))
def test_every_part_fits_and_nothing_but_spacing_is_lost(text: str, max_segments: int) -> None:
    parts = split_messages(text, max_segments)
    assert parts
    for part in parts:
        assert segment_count(part) <= max_segments
        assert body_length(part) <= MAX_BODY
    squeeze = "".join(text.split())
    assert "".join("".join(parts).split()) == squeeze
