"""What starts a flow: a command, a button payload, or words in a message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.messages import Inbound


@dataclass(frozen=True, slots=True)
class Trigger:
    """Starts a flow. ``interrupts``: whether it may replace a flow that waits for an answer
    (commands and buttons do; free words do not, or "return" typed as an answer would
    restart the return flow)."""

    kind: str
    value: str
    pattern: re.Pattern[str] | None = None
    interrupts: bool = True

    def matches(self, inbound: Inbound) -> bool:
        if self.kind == "command":
            command = inbound.command
            return command is not None and command[0] == self.value
        if self.kind == "payload":
            return inbound.payload == self.value
        text = inbound.text
        return bool(text and self.pattern is not None and self.pattern.search(text))


def command(*names: str) -> list[Trigger]:
    """``/name`` (and ``/name args``) starts the flow, even while a question is pending."""
    return [Trigger("command", name.lstrip("/").lower()) for name in names]


def payload(*values: str) -> list[Trigger]:
    """A button whose payload is exactly ``value`` starts the flow, even while a question
    is pending."""
    return [Trigger("payload", value) for value in values]


def keyword(*words: str, interrupts: bool = False) -> list[Trigger]:
    """Any of these whole words (any case) in a message starts the flow when no question
    is pending (or always, with ``interrupts=True``)."""
    alternatives = "|".join(re.escape(w) for w in words)
    pattern = re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)
    return [Trigger("keyword", ",".join(words), pattern, interrupts)]


def regex(pattern: str, flags: int = re.IGNORECASE, *, interrupts: bool = False) -> list[Trigger]:
    """A regular expression found in a message starts the flow when no question is pending
    (or always, with ``interrupts=True``)."""
    return [Trigger("keyword", pattern, re.compile(pattern, flags), interrupts)]
