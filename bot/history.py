"""The one way to build a customer's message events: what they sent, what we answered.

Every turn writes them (the dialogue engine, linking, the handoff desk, a merge), and the
operator console shows them as one transcript, so they must look the same whoever built
them. These are plain constructors of the ``Event`` dataclass: they cost what building it
by hand cost, and they sit on the hot path.
"""

from __future__ import annotations

from bot.messages import Identity, Inbound, Outbound, text_of
from bot.model import Event, JSONValue

#: The message id of a conversation's automatic opening (the web chat page greets a new
#: visitor by sending it): not something the customer said, so not a history of theirs.
OPENING_ID = "open"


def said_something(events: list[Event]) -> bool:
    """Whether these events hold a message the customer sent themselves."""
    return any(e.kind == "inbound" and e.data.get("message_id") != OPENING_ID for e in events)


def opened(events: list[Event]) -> bool:
    """Whether these events hold a page's automatic opening of the conversation."""
    return any(e.kind == "inbound" and e.data.get("message_id") == OPENING_ID for e in events)


def describe(inbound: Inbound) -> str:
    """What the customer sent, as the transcript shows it: the text, else the attachments'
    kinds ("[image]"), else the pressed button's payload."""
    if inbound.text:
        return inbound.text
    if inbound.attachments:
        return ", ".join(f"[{a.kind}]" for a in inbound.attachments)
    return inbound.payload or ""


def inbound_event(inbound: Inbound, *, text: str | None = None) -> Event:
    """The history entry of a customer's message; ``text`` replaces what they sent when it
    must not be stored (a link code is a secret until used)."""
    identity = inbound.identity
    data: dict[str, JSONValue] = {"message_id": inbound.message_id}
    if inbound.payload:
        data["payload"] = inbound.payload
    if inbound.sender.device:
        data["device"] = inbound.sender.device
    return Event(kind="inbound", at=inbound.timestamp, channel=identity.channel,
                 identity=identity.key, text=describe(inbound) if text is None else text,
                 data=data)


def outbound_event(reply: Outbound, to: Identity | None, *, text: str | None = None,
                   author: str | None = None) -> Event:
    """The history entry of a reply sent to ``to`` (None: the customer has no address
    yet); ``text`` replaces the reply's own, ``author`` names an operator who wrote it."""
    data: dict[str, JSONValue] = {"kind": reply.kind}
    if author:
        data["author"] = author
    return Event(kind="outbound", channel=to.channel if to is not None else None,
                 identity=to.key if to is not None else None,
                 text=text_of(reply) if text is None else text, data=data)
