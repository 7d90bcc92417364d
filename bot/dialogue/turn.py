"""What a step sees: the message, the slots, the profile, and ways to reply."""

from __future__ import annotations

import secrets
import time
from collections.abc import MutableMapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from bot.dialogue.menu import MenuFlows, menu_choices
from bot.dialogue.slots import SlotTypes, SlotValues
from bot.dialogue.texts import Texts
from bot.messages import Choice, Choices, File, Image, Inbound, Outbound, Text
from bot.model import Profile, Reminder
from bot.services.registry import Services

M = TypeVar("M", bound=BaseModel)


class Turn:
    """The context of one step. Replies are buffered and committed with the turn.

    ``slots`` belong to the running flow, as Python values of their declared types (a
    ``date`` slot is a ``date``; the session keeps JSON): read ``turn.slots["day"]``, or
    all of them typed for mypy with ``turn.slots_as(BookingSlots)``. Assigning
    ``turn.slots["day"] = value`` validates a declared slot. ``profile`` changes are
    saved with the turn.
    """

    def __init__(
        self,
        *,
        customer_id: str,
        inbound: Inbound,
        slots: dict[str, Any],
        profile: Profile,
        locale: str,
        texts: Texts,
        replies: list[Outbound],
        flow: str,
        reminders: list[Reminder] | None = None,
        slot_types: SlotTypes | None = None,
        menu: MenuFlows = (),
        services: Services | None = None,
    ) -> None:
        self.customer_id = customer_id
        self.inbound = inbound
        self._slot_types = slot_types or SlotTypes()
        self.slots: MutableMapping[str, Any] = SlotValues(slots, self._slot_types)
        self.profile = profile
        self.locale = locale
        self.flow = flow
        self._texts = texts
        self._replies = replies
        #: Follow-ups this turn scheduled (``remind_in``), committed with the turn.
        self.reminders: list[Reminder] = [] if reminders is None else reminders
        self._menu = menu
        #: Business systems by name: ``turn.services.catalogue``, ``turn.services.http``,
        #: ``turn.services.customers`` and the project's own (``bot/services``).
        self.services = services if services is not None else Services()

    def replies_to(self, replies: list[Outbound]) -> bool:
        """Whether this turn's replies go to ``replies`` (the engine's own list)."""
        return self._replies is replies

    @property
    def channel(self) -> str:
        """The channel the customer is writing on now."""
        return self.inbound.identity.channel

    def slots_as(self, model: type[M]) -> M:
        """The slots answered so far as ``model``, typed (``turn.slots_as(BookingSlots).day``
        is a ``date``, and mypy knows it). Fields not answered yet keep their default, or
        are absent (reading one raises AttributeError): test ``"day" in turn.slots`` first
        in a step that may run before the question."""
        raw = self.slots.raw if isinstance(self.slots, SlotValues) else dict(self.slots)
        return self._slot_types.as_model(model, raw)

    def t(self, key: str, /, **values: object) -> str:
        """The text ``key`` in the customer's language."""
        return self._texts.get(self.locale, key, **values)

    def menu_choices(self) -> list[Choice]:
        """A choice for every flow declared with ``Flow(..., menu=...)``, in load order and
        in the customer's language. A pressed button starts its flow by itself (the
        payload is the flow's trigger); for a typed number or title, the menu step
        returns ``Start(turn.menu_flow(turn.slots["choice"]))``."""
        return menu_choices(self._menu, self.locale)

    def menu_flow(self, payload: str) -> str | None:
        """The menu flow whose button has ``payload``, if any."""
        return next((flow.name for flow, _ in self._menu if flow.menu_payload == payload),
                    None)

    def say(self, text: str) -> None:
        self._replies.append(Text(text=text))

    def offer(self, text: str, choices: Sequence[Choice]) -> None:
        """Show choices without waiting for one (e.g. a menu whose buttons start flows)."""
        self._replies.append(Choices(text=text, choices=tuple(choices)))

    def image(self, url: str, caption: str | None = None) -> None:
        self._replies.append(Image(url=url, caption=caption))

    def file(self, url: str, name: str | None = None, caption: str | None = None) -> None:
        self._replies.append(File(url=url, name=name, caption=caption))

    def send(self, message: Outbound) -> None:
        self._replies.append(message)

    def remind_in(self, *, hours: float = 0, minutes: float = 0, seconds: float = 0,
                  text_key: str, reprompt: bool = True, **values: object) -> str:
        """Remind the customer later, unless they write first: ``text_key`` (a text of
        this flow, in the customer's language then, with ``values``), then, when
        ``reprompt`` and this flow still waits on a question, the question again.

        Durable (kept in the session and a due index in the store), sent once by
        whichever process is free, on the customer's current channel and within its
        rules (keep it inside WhatsApp's 24-hour window: a free-form reminder after it
        is recorded as not sent). Operators see it scheduled, sent or cancelled in the
        history. Returns its id."""
        delay = hours * 3600 + minutes * 60 + seconds
        if delay <= 0:
            raise ValueError("remind_in needs a positive delay (hours=, minutes=, seconds=)")
        reminder = Reminder(id=secrets.token_hex(6), due=time.time() + delay, flow=self.flow,
                            text_key=text_key, values={k: str(v) for k, v in values.items()},
                            reprompt=reprompt)
        self.reminders.append(reminder)
        return reminder.id
