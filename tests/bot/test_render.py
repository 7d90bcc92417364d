from __future__ import annotations

import pytest

from bot.channels import Capabilities
from bot.channels.render import numbered_list, render, split_text
from bot.messages import Choice, Choices, File, Image, RequestPhone, Text, Typing

TEXT_ONLY = Capabilities(max_text_length=200, max_buttons=0)
BUTTONS = Capabilities(max_text_length=200, max_buttons=3, button_title_length=10,
                       images=True, typing=True, request_phone=True)
THREE = Choices(text="Pick one", choices=tuple(
    Choice(payload=f"p{i}", title=f"Option number {i}") for i in range(1, 4)))


def test_split_prefers_paragraphs_then_lines_then_words() -> None:
    text = "first paragraph here.\n\nsecond one is a bit longer than that"
    assert split_text(text, 40) == ["first paragraph here.", "second one is a bit longer than that"]
    words = "word " * 30
    parts = split_text(words.strip(), 20)
    assert all(len(p) <= 20 for p in parts)
    assert " ".join(parts) == words.strip()


def test_split_cuts_a_word_longer_than_the_limit() -> None:
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_split_refuses_a_nonsense_limit() -> None:
    with pytest.raises(ValueError):
        split_text("abc", 0)


def test_a_4096_limit_splits_long_text_without_losing_characters() -> None:
    text = ("lorem ipsum dolor sit amet " * 400).strip()
    parts = render(Text(text=text), Capabilities(max_text_length=4096))
    assert all(isinstance(p, Text) and len(p.text) <= 4096 for p in parts)
    assert len(parts) == 3
    assert " ".join(p.text for p in parts if isinstance(p, Text)) == text


def test_choices_become_a_numbered_list_on_text_only_channels() -> None:
    [message] = render(THREE, TEXT_ONLY)
    assert isinstance(message, Text)
    assert message.text == numbered_list(THREE)
    assert message.text.splitlines()[-1] == "3. Option number 3"


def test_choices_become_buttons_with_titles_cut_and_payloads_kept() -> None:
    [message] = render(THREE, BUTTONS)
    assert isinstance(message, Choices)
    assert [c.title for c in message.choices] == ["Option nu…"] * 3
    assert [c.payload for c in message.choices] == ["p1", "p2", "p3"]


def test_too_many_choices_for_buttons_fall_back_to_a_list() -> None:
    four = Choices(text="Pick", choices=(*THREE.choices, Choice(payload="p4", title="Four")))
    [message] = render(four, BUTTONS)
    assert isinstance(message, Text) and "4. Four" in message.text


def test_media_phone_requests_and_typing_degrade() -> None:
    image = Image(url="https://example.test/a.png", caption="A shirt")
    assert render(image, BUTTONS) == [image]
    [as_text] = render(image, TEXT_ONLY)
    assert isinstance(as_text, Text) and as_text.text == "A shirt\nhttps://example.test/a.png"
    [file_text] = render(File(url="https://example.test/l.pdf"), BUTTONS)
    assert isinstance(file_text, Text)
    phone = RequestPhone(text="Your number?", button="Share")
    assert render(phone, BUTTONS) == [phone]
    assert render(phone, TEXT_ONLY) == [Text(text="Your number?")]
    assert render(Typing(), TEXT_ONLY) == []


def test_a_message_that_fits_the_channel_is_passed_on_as_it_is() -> None:
    short = Text(text="Hello")
    fits = Choices(text="Pick", choices=(Choice(payload="a", title="Yes"),))
    assert render(short, BUTTONS)[0] is short
    assert render(fits, BUTTONS)[0] is fits
