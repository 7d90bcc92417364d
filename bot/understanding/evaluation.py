"""``omnicanal eval FILE``: how well the configured provider understands labelled
utterances, so a change of examples, threshold or provider is measured, not guessed.

The file (YAML)::

    utterances:
      - {text: "I'd like to return the jeans from order A1001", locale: en,
         intent: returns, slots: {order: A1001, item: jeans}}

``intent`` is a flow's name, or ``human``, ``cancel``, ``language``, ``knowledge`` or
``none`` (nothing to understand). An understanding below the threshold counts as
``none``, as the bot would treat it. ``slots`` are checked one by one (a slot the
provider missed or got wrong is a miss).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.understanding.describe import intent_of, slots_of
from bot.understanding.understander import Understander


@dataclass(frozen=True, slots=True)
class Utterance:
    text: str
    locale: str | None
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    """What ``evaluate`` found: per utterance, the expected and understood intent."""

    pairs: list[tuple[Utterance, str]] = field(default_factory=list)
    slots_right: int = 0
    slots_expected: int = 0

    @property
    def accuracy(self) -> float:
        right = sum(1 for u, got in self.pairs if got == u.intent)
        return right / len(self.pairs) if self.pairs else 0.0

    @property
    def slot_accuracy(self) -> float:
        return self.slots_right / self.slots_expected if self.slots_expected else 1.0

    def per_intent(self) -> dict[str, tuple[int, int]]:
        """Intent → (right, total)."""
        found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for utterance, got in self.pairs:
            found[utterance.intent][1] += 1
            found[utterance.intent][0] += got == utterance.intent
        return {intent: (r, t) for intent, (r, t) in sorted(found.items())}

    def confusion(self) -> Counter[tuple[str, str]]:
        """(expected, understood) → how often, mistakes only."""
        return Counter((u.intent, got) for u, got in self.pairs if got != u.intent)

    def lines(self) -> list[str]:
        """The report as printed."""
        out = [f"{'intent':<16} {'right':>5} {'total':>5} {'accuracy':>9}"]
        for intent, (right, total) in self.per_intent().items():
            out.append(f"{intent:<16} {right:>5} {total:>5} {right / total:>9.1%}")
        confusion = self.confusion()
        if confusion:
            out.append("")
            out.append("confusion (expected → understood: count, e.g.)")
            for (expected, got), count in confusion.most_common():
                example = next(u.text for u, g in self.pairs if u.intent == expected
                               and g == got)
                out.append(f"  {expected} → {got}: {count}  ({example!r})")
        out.append("")
        out.append(f"intent accuracy: {self.accuracy:.1%} of {len(self.pairs)} utterances")
        out.append(f"slot accuracy: {self.slot_accuracy:.1%} of {self.slots_expected} slots")
        return out


def load_utterances(path: Path) -> list[Utterance]:
    """The labelled utterances of ``path``; a malformed file is a ``ConfigError`` that
    names the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError([f"{path}: cannot read it: {exc}"]) from None
    entries = data.get("utterances") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError([f"{path}: expected a list under 'utterances:', each with text, "
                           "locale, intent and optional slots"])
    found, problems = [], []
    for n, entry in enumerate(entries):
        if (not isinstance(entry, dict) or not isinstance(entry.get("text"), str)
                or not isinstance(entry.get("intent"), str)):
            problems.append(f"{path}: utterances[{n}]: needs 'text' and 'intent' strings")
            continue
        slots = entry.get("slots") or {}
        if not isinstance(slots, dict):
            problems.append(f"{path}: utterances[{n}].slots: must be a mapping")
            continue
        found.append(Utterance(entry["text"], entry.get("locale"), entry["intent"],
                               {str(k): v for k, v in slots.items()}))
    if problems:
        raise ConfigError(problems)
    return found


async def evaluate(understander: Understander, utterances: Sequence[Utterance]) -> Report:
    """Ask ``understander`` about each utterance, as a customer with nothing in progress."""
    report = Report()
    for utterance in utterances:
        result = await understander.understand(utterance.text, locale=utterance.locale)
        sure = bool(result.commands) and result.confidence >= understander.threshold
        report.pairs.append((utterance, intent_of(result) if sure else "none"))
        got = slots_of(result) if sure else {}
        for name, value in utterance.slots.items():
            report.slots_expected += 1
            report.slots_right += str(got.get(name)) == str(value)
    return report
