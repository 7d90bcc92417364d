"""Customers' words for dates, numbers and choices, read in their locale.

``parse_date("el próximo viernes", "es", today=...)``, ``parse_number("dos", "es")`` and
``fold("¡Sí!") == "si"`` are pure functions: the dialogue engine calls them on a slot's
answer before pydantic validates it, so a slot typed ``date`` accepts "mañana" and a slot
typed ``int`` accepts "two".
"""

from bot.dialogue.parsing.dates import parse_date
from bot.dialogue.parsing.folding import fold
from bot.dialogue.parsing.numbers import parse_number

__all__ = ["fold", "parse_date", "parse_number"]
