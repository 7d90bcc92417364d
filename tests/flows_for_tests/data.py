"""The test desk's data: tickets and a shelf, in memory."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ticket:
    number: str
    status: str
    parts: tuple[str, ...]
    supplier: str | None = None


TICKETS = {
    "T100": Ticket("T100", "open", ("screen", "cable")),
    "T200": Ticket("T200", "waiting", ("battery",), supplier="Acme"),
    "T300": Ticket("T300", "closed", ("keyboard",)),
}
#: Part or shelf item id → its name.
NAMES = {"screen": "Cracked screen", "cable": "Power cable", "battery": "Battery",
         "keyboard": "Keyboard", "lamp": "Desk lamp", "mug": "Blue mug", "pen": "Ink pen"}
SHELF = ("lamp", "mug", "pen")


async def find(number: str) -> Ticket | None:
    """Async, as the help desk's API would be."""
    return TICKETS.get(number)


async def file_report(number: str, part: str) -> str:
    return f"F-{number}-{secrets.token_hex(2).upper()}"
