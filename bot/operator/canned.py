"""Canned replies for one conversation: those of the customer's locale (and those for
every locale), with the placeholders filled in from what the desk knows of them.

    {name}      the customer's display name
    {order}     the order or ticket number a flow collected (slot ``order``, ``ticket``
                or ``number``), else "your order"
    {operator}  the operator's name

A placeholder the text does not know stays as it is written, so a typo shows before the
reply is sent, never an error.
"""

from __future__ import annotations

import re
from typing import Any

from bot.config.handoff import CannedReply
from bot.model import Profile, Session
from bot.operator.views import display_name

ORDER_SLOTS = ("order", "ticket", "number")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def order_of(session: Session) -> str | None:
    for frame in reversed([*session.suspended, *session.stack]):
        for slot in ORDER_SLOTS:
            value = frame.slots.get(slot)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return None


def replies_for(replies: list[CannedReply], *, customer_id: str, session: Session,
                profile: Profile, operator: str) -> list[dict[str, Any]]:
    locale = (profile.locale or "en").split("-")[0]
    values = {"name": display_name(profile, customer_id),
              "order": order_of(session) or "your order", "operator": operator}
    return [{"id": reply.id, "title": reply.title, "locale": reply.locale,
             "text": _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), reply.text)}
            for reply in replies if reply.locale in (None, locale)]
