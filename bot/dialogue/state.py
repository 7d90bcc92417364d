"""What one turn of the dialogue engine carries from step to step: the customer's
session and profile, the events and replies so far, and the ``Turn`` its steps see.

Built once per message (``DialogueEngine.handle``); the steps of one frame share one
``Turn``, so a turn that runs several steps (a sentence that gives several slots, a
``Goto``) builds it once, not once per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.dialogue.flow import Flow
from bot.dialogue.menu import MenuFlows
from bot.dialogue.texts import Texts
from bot.dialogue.turn import Turn
from bot.messages import Identity, Inbound, Outbound
from bot.model import Event, Frame, Profile, Reminder, Session
from bot.services.registry import Services


@dataclass
class TurnState:
    """One message's turn inside the engine (the modules that route it name it ``_State``)."""

    customer_id: str
    inbound: Inbound
    session: Session
    profile: Profile
    locale: str
    events: list[Event]
    replies: list[Outbound] = field(default_factory=list)
    handoff: str | None = None
    steps: list[tuple[str, str]] = field(default_factory=list)
    #: The customer wrote on another identity than last time.
    switched: bool = False
    #: ...and on one the bot has not yet said it recognised them on.
    recognised: bool = False
    #: Where they wrote from last time, when ``switched``.
    previous: Identity | None = None
    reminders: list[Reminder] = field(default_factory=list)
    #: The ``Turn`` the steps of ``_turn_frame`` see (``turn_in``).
    _turn: Turn | None = None
    _turn_frame: Frame | None = None

    def turn_in(self, frame: Frame, flow: Flow, *, texts: Texts, menu: MenuFlows,
                services: Services) -> Turn:
        """What a step of ``frame``'s flow sees: this turn's one ``Turn`` while the steps
        stay in ``frame``, a new one when they move to another (a sub-flow, a new flow)
        or the replies were started over (a failed step's apology)."""
        turn = self._turn
        if turn is not None and self._turn_frame is frame and turn.replies_to(self.replies):
            turn.locale = self.locale  # a language intent may have changed it since
            return turn
        turn = self._turn = Turn(
            customer_id=self.customer_id, inbound=self.inbound, slots=frame.slots,
            profile=self.profile, locale=self.locale, texts=texts, replies=self.replies,
            flow=flow.name, reminders=self.reminders, slot_types=flow.slot_types,
            menu=menu, services=services)
        self._turn_frame = frame
        return turn
