"""Understanding an answer to a pending question: a choice, a phone number, free text."""

from __future__ import annotations

import re

from bot.messages import Choice, Inbound
from bot.model import Question

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def match_choice(question: Question, inbound: Inbound) -> Choice | None:
    """The choice the customer picked: by button payload, by number ("2"), or by title."""
    if inbound.payload is not None:
        return next((c for c in question.choices if c.payload == inbound.payload), None)
    text = (inbound.text or "").strip().rstrip(".)")
    if text.isdigit():
        index = int(text)
        return question.choices[index - 1] if 1 <= index <= len(question.choices) else None
    folded = text.casefold()
    return next((c for c in question.choices if c.title.casefold() == folded), None)


def normalise_phone(text: str) -> str | None:
    """E.164 for a phone number typed or shared with its country code, else None.

    Telegram may send a shared contact's number without the leading "+"; a number typed
    without a country code cannot be made E.164 and is refused.
    """
    digits = re.sub(r"[\s().\-]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        digits = "+" + digits
    return digits if _E164.match(digits) else None


def phone_answer(inbound: Inbound, *, assume_international: bool) -> tuple[str, bool] | None:
    """The phone number in an answer and whether the platform vouches it is the sender's."""
    for attachment in inbound.attachments:
        if attachment.kind == "contact" and attachment.phone:
            number = normalise_phone(attachment.phone)
            if number:
                return number, attachment.own_phone
    text = (inbound.text or "").strip()
    if not text or (not assume_international and not text.startswith(("+", "00"))):
        return None
    number = normalise_phone(text)
    return (number, False) if number else None
