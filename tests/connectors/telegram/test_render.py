"""Outbound → Bot API calls, pure."""

from __future__ import annotations

from bot.messages import Choice, Choices, File, Image, RequestPhone, Text, Typing
from connectors.telegram.render import (
    fits_callback_data,
    long_payloads,
    render_call,
    short_key,
)


def test_text() -> None:
    call = render_call(42, Text(text="hi"))
    assert (call.method, call.params) == ("sendMessage", {"chat_id": 42, "text": "hi"})


def test_short_titles_go_two_per_row() -> None:
    message = Choices(text="Pick", choices=tuple(
        Choice(payload=f"p{i}", title=f"T{i}") for i in range(3)))
    rows = render_call(1, message).params["reply_markup"]["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [["p0", "p1"], ["p2"]]


def test_long_titles_go_one_per_row() -> None:
    message = Choices(text="Pick", choices=(Choice(payload="a", title="A rather long title"),
                                            Choice(payload="b", title="B")))
    rows = render_call(1, message).params["reply_markup"]["inline_keyboard"]
    assert len(rows) == 2


def test_long_payloads_travel_as_short_keys() -> None:
    long = "order:" + "é" * 40  # 86 bytes although 46 characters
    assert not fits_callback_data(long) and fits_callback_data("x" * 64)
    message = Choices(text="Pick", choices=(Choice(payload=long, title="Long"),
                                            Choice(payload="ok", title="Ok")))
    data = [b["callback_data"] for row in render_call(1, message).params["reply_markup"][
        "inline_keyboard"] for b in row]
    key = short_key(long)
    assert data == [key, "ok"] and len(key.encode()) == 17 and key.startswith("~")
    assert long_payloads(message) == {key: long}


def test_media_typing_and_phone_request() -> None:
    assert render_call(1, Image(url="https://x/a.png", caption="c")).params == {
        "chat_id": 1, "photo": "https://x/a.png", "caption": "c"}
    assert render_call(1, File(url="https://x/a.pdf")).method == "sendDocument"
    assert render_call(1, Typing()).params == {"chat_id": 1, "action": "typing"}
    call = render_call(1, RequestPhone(text="Share?", button="Share my number"))
    assert call.params["reply_markup"]["keyboard"] == [
        [{"text": "Share my number", "request_contact": True}]]
    assert call.params["reply_markup"]["one_time_keyboard"] is True
