"""What starts a flow: a command, a button payload, or words in a message."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.messages import Inbound

T = TypeVar("T")


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


class TriggerTable(Generic[T]):
    """The flow the first of ``triggers`` that matches a message starts, as trying them in
    order would find it, without trying them one by one: a free-text message, which
    matches none, is the common case and pays for every trigger tried before the
    understanding is asked (issue 16). Commands and payloads are looked up by value; the
    word patterns are first searched as one alternation (one pass over the text instead
    of one per trigger), and tried in order only when it finds something."""

    def __init__(self, triggers: Sequence[tuple[Trigger, T]]) -> None:
        self._commands: dict[str, tuple[int, T]] = {}
        self._payloads: dict[str, tuple[int, T]] = {}
        self._patterns: list[tuple[int, re.Pattern[str], T]] = []
        for position, (trigger, target) in enumerate(triggers):
            if trigger.kind == "command":
                self._commands.setdefault(trigger.value, (position, target))
            elif trigger.kind == "payload":
                self._payloads.setdefault(trigger.value, (position, target))
            elif trigger.pattern is not None:
                self._patterns.append((position, trigger.pattern, target))
        self._any_pattern = _alternation([p for _, p, _ in self._patterns])

    def first(self, inbound: Inbound) -> T | None:
        found: tuple[int, T] | None = None
        if self._commands:
            command = inbound.command
            if command is not None:
                found = self._commands.get(command[0])
        payload = inbound.payload
        if payload is not None and self._payloads:
            hit = self._payloads.get(payload)
            if hit is not None and (found is None or hit[0] < found[0]):
                found = hit
        text = inbound.text
        if text and self._patterns and (self._any_pattern is None
                                        or self._any_pattern.search(text)):
            for position, pattern, target in self._patterns:
                if found is not None and position > found[0]:
                    break
                if pattern.search(text):
                    return target
        return found[1] if found is not None else None


def _alternation(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern that matches wherever one of ``patterns`` does, or None when they
    cannot be joined exactly (different flags, groups a back-reference may count)."""
    if len(patterns) < 2 or len({p.flags for p in patterns}) > 1 or any(
            p.groups for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:  # an inline flag mid-pattern, say: tried one by one
        return None
