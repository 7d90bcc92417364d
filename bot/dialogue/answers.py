"""Understanding an answer to a pending question: a choice, a phone number, free text."""

from __future__ import annotations

from bot.messages import Choice, Inbound
from bot.model import Question
from bot.phones import to_e164


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


def phone_answer(inbound: Inbound, *, assume_international: bool) -> tuple[str, bool] | None:
    """The phone number in an answer and whether the platform vouches it is the sender's."""
    for attachment in inbound.attachments:
        if attachment.kind == "contact" and attachment.phone:
            number = to_e164(attachment.phone)
            if number:
                return number, attachment.own_phone
    text = (inbound.text or "").strip()
    if not text or (not assume_international and not text.startswith(("+", "00"))):
        return None
    number = to_e164(text)
    return (number, False) if number else None
