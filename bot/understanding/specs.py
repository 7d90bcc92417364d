"""Flows as providers see them (``FlowSpec``): descriptions, examples, slot schemas.

A slot's description is its type's ``Field(description=...)`` (the JSON schema's
``description``), shown in every locale: one sentence for the developer to write, not one
per language.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.dialogue.flow import Flow
from bot.understanding.contract import FlowSpec, SlotSpec


def flow_spec(flow: Flow, locales: Iterable[str]) -> FlowSpec:
    slots = []
    for name, schema in flow.slot_schemas().items():
        description = schema.get("description")
        said = {loc: description for loc in locales} if isinstance(description, str) else {}
        slots.append(SlotSpec(name=name, description=said, schema=schema))
    return FlowSpec(name=flow.name, description=dict(flow.description),
                    examples={loc: tuple(said) for loc, said in flow.examples.items()},
                    slots=tuple(slots))


def flow_specs(flows: Iterable[Flow], locales: Iterable[str]) -> list[FlowSpec]:
    """The flows a provider may start: those that say what they are for (a description
    or examples); the others start only from their triggers."""
    chosen = list(locales)
    return [flow_spec(f, chosen) for f in flows if f.description or f.examples]
