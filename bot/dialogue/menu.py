"""A menu built from the flows that declare themselves for it (``Flow(..., menu=...)``), so
a new flow reaches the menu without editing the menu's own code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.dialogue.flow import Flow
from bot.dialogue.texts import Texts
from bot.messages import Choice


def menu_title(flow: Flow, locale: str, texts: Texts) -> str:
    """The flow's menu button title in ``locale``: its ``menu`` titles (falling back to
    the first given), the text its ``menu`` key names, or its ``title``, else its name."""
    menu = flow.menu
    if isinstance(menu, Mapping):
        return menu.get(locale) or next(iter(menu.values()), flow.name)
    if isinstance(menu, str):
        return texts.get(locale, menu)
    return flow.title.get(locale) or next(iter(flow.title.values()), flow.name)


#: The menu flows, in load order, each with the texts its title is looked up in.
MenuFlows = Sequence[tuple[Flow, Texts]]


def menu_choices(flows: MenuFlows, locale: str) -> list[Choice]:
    """One choice per menu flow; each payload starts its flow."""
    return [Choice(payload=flow.menu_payload, title=menu_title(flow, locale, texts))
            for flow, texts in flows]
