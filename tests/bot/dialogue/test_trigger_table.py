"""The trigger table finds the flow that trying the triggers in order finds: the first
that matches, whatever its kind (a command, a payload, words), with patterns that can be
joined into one search and patterns that cannot (groups, other flags)."""

from __future__ import annotations

import random
import re

from bot.dialogue.triggers import Trigger, TriggerTable, command, keyword, payload, regex
from bot.messages import Identity, Inbound
from flows.store_assistant import FLOWS

IDENTITY = Identity(channel="test", user_id="u")


def _in_order(triggers: list[tuple[Trigger, str]], inbound: Inbound) -> str | None:
    """What the engine did before the table: each trigger tried in turn."""
    return next((target for trigger, target in triggers if trigger.matches(inbound)), None)


def _messages(rng: random.Random, triggers: list[tuple[Trigger, str]]) -> list[Inbound]:
    said = ["where is my order", "I want to RETURN these", "menú", "show me the catálogo",
            "nothing to see", "offers?", "order 42", "A1001", "", "ofertas y devolución"]
    values = [t.value for t, _ in triggers] + ["nope", "menu:other"]
    messages = []
    for n in range(3000):
        kind = rng.randrange(4)
        text: str | None
        if kind == 0:
            text = "/" + rng.choice(values).split(",")[0] + rng.choice(["", " extra", "@bot"])
        elif kind == 1:
            text = " ".join(rng.sample(said, rng.randint(1, 3)))
        else:
            text = rng.choice([None, *said])
        button = rng.choice(values) if kind != 1 and rng.random() < 0.7 else None
        messages.append(Inbound(identity=IDENTITY, message_id=str(n), text=text,
                                payload=button))
    return messages


def _demo_triggers() -> list[tuple[Trigger, str]]:
    return [(t, flow.name) for flow in FLOWS for t in flow.triggers]


def test_the_table_finds_what_trying_each_trigger_in_order_finds() -> None:
    custom = [
        *command("order"), *payload("menu:order"),  # the demo's, again: the first wins
        *regex(r"(order|pedido) (\d+)"),  # a group: not joined with the others
        *regex(r"a\d{4}", 0),  # other flags (case matters): not joined either
        *keyword("nothing", interrupts=True), *keyword("see"),
    ]
    triggers = [*_demo_triggers(), *((t, f"custom{n}") for n, t in enumerate(custom))]
    rng = random.Random(16)
    for chosen in (triggers, triggers[::-1], [t for t in triggers if t[0].kind == "keyword"],
                   [t for t in triggers if t[0].interrupts], []):
        table = TriggerTable(chosen)
        for inbound in _messages(rng, chosen or triggers):
            assert table.first(inbound) == _in_order(chosen, inbound), (
                inbound.text, inbound.payload)


def test_word_patterns_that_can_be_joined_are_searched_as_one() -> None:
    keywords = [(t, f.name) for f in FLOWS for t in f.triggers if t.kind == "keyword"]
    assert len(keywords) > 1
    assert TriggerTable(keywords)._any_pattern is not None
    grouped = [*keywords, (regex(r"(a)\1")[0], "x")]
    assert TriggerTable(grouped)._any_pattern is None
    flagged = [*keywords, (Trigger("keyword", "A", re.compile("A")), "x")]
    assert TriggerTable(flagged)._any_pattern is None
