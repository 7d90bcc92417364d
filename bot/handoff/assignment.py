"""Who gets a queued conversation when assignment is automatic.

The choice is a preference, the reservation is the truth: candidates are ranked (least
busy first) from a read of everyone's load, then reserved one by one with the atomic
``HandoffQueue.reserve`` script, which adds the conversation to an operator's held set
only if they still have room. Two assignments that read the same loads at once both
prefer the same operator; the one that loses the reservation takes the next candidate
instead of failing, and nobody ever holds more than their capacity. (One operator's
held set is one key, so this holds on a Redis Cluster too.)

Rules (``handoff.assignment_rules``) narrow the candidates to operators with a skill;
without a rule, a conversation labelled with a skill some operator has goes to those
operators. A rule that finds nobody online with room falls back to the least busy of
everyone, and the take's history line says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.config.handoff import AssignmentRule, OperatorAccount
from bot.store.handoff import HandoffQueue


@dataclass(frozen=True, slots=True)
class Preference:
    """The skill a conversation calls for, and why (shown in its history)."""

    skill: str
    why: str


@dataclass(frozen=True, slots=True)
class Assignment:
    """The operator reserved for a conversation, and how they were chosen."""

    operator: str
    note: str


def preference(rules: Sequence[AssignmentRule], operators: Iterable[OperatorAccount], *,
               labels: Iterable[str], channel: str | None) -> Preference | None:
    """The first rule matching the conversation, else a label some operator has as a skill."""
    labelled = {label.casefold() for label in labels}
    for rule in rules:
        if rule.label is not None and rule.label.casefold() not in labelled:
            continue
        if rule.channel is not None and rule.channel != channel:
            continue
        matched = " and ".join(part for part in (
            f"label {rule.label}" if rule.label else "",
            f"channel {rule.channel}" if rule.channel else "") if part)
        return Preference(rule.wanted_skill, f"rule for {matched}")
    skills = sorted({skill.casefold() for o in operators for skill in o.skills} & labelled)
    if skills:
        return Preference(skills[0], f"label {skills[0]}")
    return None


def has_skill(account: OperatorAccount, skill: str) -> bool:
    return skill.casefold() in {s.casefold() for s in account.skills}


async def reserve_least_busy(queue: HandoffQueue, customer_id: str,
                             candidates: Sequence[OperatorAccount]) -> str | None:
    """Reserve the conversation for the least busy candidate who still has room (ties by
    id), trying the next when a simultaneous assignment filled one first."""
    load = await queue.load([a.id for a in candidates])
    ranked = sorted((a for a in candidates if load[a.id] < a.capacity),
                    key=lambda a: (load[a.id], a.id))
    for account in ranked:
        if await queue.reserve(account.id, customer_id, account.capacity):
            return account.id
    return None


async def choose(queue: HandoffQueue, customer_id: str, online: Sequence[OperatorAccount], *,
                 wanted: Preference | None) -> Assignment | None:
    """Reserve an operator for the conversation: one with the wanted skill if any is
    free, else the least busy of everyone online (saying so)."""
    if wanted is not None:
        skilled = [a for a in online if has_skill(a, wanted.skill)]
        chosen = await reserve_least_busy(queue, customer_id, skilled)
        if chosen is not None:
            return Assignment(chosen, f"assigned by {wanted.why}: skill {wanted.skill}")
    chosen = await reserve_least_busy(queue, customer_id, online)
    if chosen is None:
        return None
    if wanted is None:
        return Assignment(chosen, "assigned: least busy")
    return Assignment(chosen, f"assigned: nobody with skill {wanted.skill} was free "
                      f"({wanted.why}), so the least busy")
