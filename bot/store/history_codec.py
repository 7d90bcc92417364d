"""How a history event is stored: a compact JSON array, and the old JSON objects still read.

The history is most of what a finished customer leaves in the store (issue 22: 1,568 of
2,744 bytes, ten events written as JSON objects with every field named in full and null or
empty fields written out). An event is now ``[kind, at_ms, text, identity, data, channel]``
with its trailing defaults left off:

- ``kind``: one letter for the kinds the core writes (``CODES``), the name for any other;
- ``at_ms``: integer milliseconds (the transcript shows seconds; the order is the list's);
- ``text``, ``identity``: the value or ``null``;
- ``data``: left off (or ``null``) when empty;
- ``channel``: left off when it is the identity's own channel (``bench:default:t0`` is on
  ``bench``) or when neither is known; written, ``null`` too, only when it says more.

``["i",1796152499022,"/start","bench:default:t0",{"message_id":"r1-0-0"}]`` is 71 bytes
where the object was 137. Events stored by earlier versions are JSON objects (they start
with ``{``) and are read as before: nothing is migrated, a long history turns compact as
new events push the old out. ``docs/storage.md`` has the byte counts. The readers (the
console, the API, the export, search, merges) all read through ``load_event``.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic_core import from_json, to_json

from bot.model import EVENTS, Event, EventKind

#: kind → its stored letter. Never reuse or reorder a letter: stored events keep theirs.
CODES: dict[str, str] = {
    "inbound": "i", "outbound": "o", "channel_switch": "w", "flow": "f", "handoff": "h",
    "link": "l", "merge": "m", "unlink": "u", "note": "n", "delivery": "d", "error": "e",
    "consent": "c", "reminder": "r", "source": "s", "understood": "t", "profile": "p",
}
KINDS: dict[str, str] = {code: kind for kind, code in CODES.items()}

_OBJECT = ord("{")


def _implied_channel(identity: str | None) -> str | None:
    """The channel an identity key (``channel:account:user``) names; None without one."""
    return identity.split(":", 1)[0] if identity else None


def dump_event(event: Event) -> bytes:
    """The stored bytes of ``event`` (see the module's docstring)."""
    row: list[Any] = [CODES.get(event.kind, event.kind), round(event.at * 1000),
                      event.text, event.identity]
    if event.channel != _implied_channel(event.identity):
        row += [event.data or None, event.channel]
    elif event.data:
        row.append(event.data)
    else:
        while len(row) > 2 and row[-1] is None:
            row.pop()
    return to_json(row)


def load_event(raw: bytes | str) -> Event:
    """An event as stored, by this version (an array) or an earlier one (an object)."""
    data = raw.encode() if isinstance(raw, str) else raw
    if data[:1] and data[0] == _OBJECT:
        return EVENTS.validate_json(data)
    row = from_json(data)
    if not isinstance(row, list) or len(row) < 2:
        raise ValueError(f"not a stored history event: {data[:80]!r}")
    n = len(row)
    identity = row[3] if n > 3 else None
    return Event(kind=cast(EventKind, KINDS.get(row[0], row[0])), at=row[1] / 1000,
                 text=row[2] if n > 2 else None, identity=identity,
                 data=(row[4] or {}) if n > 4 else {},
                 channel=row[5] if n > 5 else _implied_channel(identity))
