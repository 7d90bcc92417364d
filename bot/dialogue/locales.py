"""Which language to answer a customer in: one rule for every part that speaks.

The dialogue engine, linking, the handoff desk and a merge's greeting all answer the same
customer; if each chose the language its own way, one turn could mix two. The rule: the
customer's own choice (their profile, set by "español" or by an earlier turn) when it is a
configured locale, else the language their app reports (``es-ES``, ``pt_BR`` → ``es``,
``pt``) when configured, else the bot's default.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.messages import Inbound
from bot.model import Profile

#: ``DialogueEngine.locale_of``, handed to the parts that speak outside the engine.
LocaleOf = Callable[[Profile, Inbound | None], str]


def choose_locale(chosen: str | None, reported: str | None, *, locales: Collection[str],
                  default: str) -> str:
    """The locale to answer in, given the customer's ``chosen`` one and the one their app
    ``reported`` (either may be missing)."""
    if chosen is not None and chosen in locales:
        return chosen
    language = (reported or "").replace("_", "-").split("-")[0].lower()
    return language if language in locales else default
