"""What the store's hot-path scripts answer, as values: a recorded message, a claim on a
customer's next turn, a commit's outcome; and the parsing of their raw answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from bot.messages import Inbound
from bot.model import (
    DELIVERIES,
    BusinessMessage,
    Delivery,
    OperatorAction,
    Profile,
    Session,
)


def as_str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class NoSend(Enum):
    """A send claim's answer when it claimed no delivery."""

    #: The reply before is being sent (maybe by another process): look again soon.
    WAIT = "wait"
    #: Nothing waits to be sent.
    NONE = "none"


#: What claiming a customer's next reply comes to.
SendAnswer = Delivery | NoSend

_NO_SEND = {b"wait": NoSend.WAIT, b"none": NoSend.NONE}


def send_answer(result: Sequence[Any], written: Sequence[Delivery] = ()) -> SendAnswer:
    """A next_send answer: the claimed ``Delivery``, or ``NoSend``. A delivery among
    ``written`` (this commit's own, stored by the same script) is taken as it is: the
    script answers its id without its JSON; any other comes from the store and is
    validated."""
    if result[0] != b"send":
        return _NO_SEND[result[0]]
    if written:
        claimed_id = as_str(result[1])
        for delivery in written:
            if delivery.id == claimed_id:
                return delivery
    return DELIVERIES.validate_json(result[2])


InboxItem = Inbound | OperatorAction | BusinessMessage
_ACTION_PREFIX = b'{"kind":"operator"'
_BUSINESS_PREFIX = b'{"kind":"business"'


def parse_item(raw: bytes) -> InboxItem:
    # Operator actions and business messages serialise their ``kind`` first; messages
    # have none.
    if raw.startswith(_ACTION_PREFIX):
        return OperatorAction.model_validate_json(raw)
    if raw.startswith(_BUSINESS_PREFIX):
        return BusinessMessage.model_validate_json(raw)
    return Inbound.model_validate_json(raw)


RecordStatus = Literal["queued", "duplicate"]
#: The ingest script's answers that are a ``Recorded`` status.
RECORD_STATUSES: dict[bytes, RecordStatus] = {b"queued": "queued", b"duplicate": "duplicate"}


@dataclass(frozen=True, slots=True)
class Recorded:
    """An inbox item recorded but not claimed: ``status`` is "queued" (a turn or worker
    will take it) or "duplicate" (recorded before: no second effect)."""

    customer_id: str
    status: RecordStatus



@dataclass(frozen=True, slots=True)
class Committed:
    #: The claim for the customer's next waiting item, or None (the lease was released).
    next: Claim | None
    #: The first reply to send, claimed for sending, or why none was.
    send: SendAnswer
    #: The session and profile as now stored (JSON), for ``Store.keep``.
    saved_session: bytes = b""
    saved_profile: bytes = b""


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to run the next turn for a customer, with the state loaded under it.
    ``item`` is the customer's message or an operator's action, whichever came next.
    ``saved_session`` and ``saved_profile`` are that state as stored (JSON, empty for a
    new customer): what a turn whose flow fails rolls back to, and what tells the commit
    whether the profile changed (an unchanged one is not written again)."""

    customer_id: str
    token: str
    version: int
    session: Session
    profile: Profile
    item: InboxItem
    saved_session: bytes = b""
    saved_profile: bytes = b""

    @property
    def inbound(self) -> Inbound:
        """The customer's message (only for claims whose item is one)."""
        if not isinstance(self.item, Inbound):
            raise TypeError("this claim carries an operator action, not a message")
        return self.item
