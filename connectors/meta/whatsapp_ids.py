"""Who a WhatsApp delivery is from, in the business-scoped user id (BSUID) era (2026).

The identity is the BSUID (the parent BSUID where the business has them): Meta always
sends it, while the phone number (``from`` / ``wa_id``) comes only while the user shares
it. A phone number, when sent, is a verified attribute of the customer, never the key.
Identities stored by earlier versions were keyed by the phone digits: those are given as
aliases, so such a customer, writing with their BSUID and number, stays who they were.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.messages import Identity

#: A BSUID: two letters (a country), a period, up to 128 alphanumerics; a parent BSUID
#: has ``ENT.`` after the country (``US.ENT.1181...``). A phone number never has a period.
BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def is_bsuid(user_id: str) -> bool:
    return BSUID.fullmatch(user_id) is not None


class Sender(NamedTuple):
    """Built for every message: a tuple (a frozen dataclass's ``__init__`` sets each
    field through ``object.__setattr__``, a third of ``sender``'s bytecode)."""

    identity: Identity
    aliases: tuple[Identity, ...]
    #: The sender's phone number in digits, only when Meta sent it.
    phone: str | None
    name: str | None
    username: str | None


class Contacts:
    """A change's ``contacts`` array, looked up by BSUID or by phone number."""

    def __init__(self, contacts: object) -> None:
        self._by_id: dict[str, Mapping[str, Any]] = {}
        if not isinstance(contacts, list):
            return
        for contact in contacts:
            if not isinstance(contact, dict):
                continue
            for field in ("user_id", "parent_user_id", "wa_id"):
                value = contact.get(field)
                if isinstance(value, str) and value:
                    self._by_id[value] = contact

    def find(self, *ids: str | None) -> Mapping[str, Any]:
        by_id = self._by_id
        for i in ids:
            if i and i in by_id:
                return by_id[i]
        return _NO_CONTACT


_NO_CONTACT: Mapping[str, Any] = {}


def sender(message: Mapping[str, Any], contacts: Contacts, account: str,
           channel: str) -> Sender | None:
    """The sender of one message; None when it names no one we could answer.

    Every webhook calls this, so the ids are read inline (no helper call per field) and
    the ``Identity`` comes from ``identity`` (one per user id, shared)."""
    phone = message.get("from")
    phone = phone if isinstance(phone, str) and phone else None
    user_id = message.get("from_user_id")
    user_id = user_id if isinstance(user_id, str) and user_id else None
    parent = message.get("from_parent_user_id")
    parent = parent if isinstance(parent, str) and parent else None
    contact = contacts.find(user_id, parent, phone)
    if contact:  # what the message leaves out, its contact may say
        user_id = user_id or _str(contact.get("user_id"))
        parent = parent or _str(contact.get("parent_user_id"))
        phone = phone or _str(contact.get("wa_id"))
    key = parent or user_id or phone
    if key is None:
        return None
    aliases = () if user_id in (None, key) and phone in (None, key) else tuple(
        identity(channel, account, a) for a in (user_id, phone) if a and a != key)
    profile = contact.get("profile")
    if isinstance(profile, dict):
        name, username = _str(profile.get("name")), _str(profile.get("username"))
    else:
        name = username = None
    return Sender(identity=identity(channel, account, key), aliases=aliases, phone=phone,
                  name=name, username=username)


#: Identities handed out by ``identity``: a customer writes many times, and an
#: ``Identity`` (frozen) is the same value each time. Emptied when full, so it stays
#: bounded; a miss only costs building the model.
_IDENTITIES: dict[tuple[str, str, str], Identity] = {}
IDENTITIES_KEPT = 10_000


def identity(channel: str, account: str, user_id: str) -> Identity:
    """The ``Identity`` of a WhatsApp user id, shared between their messages."""
    key = (channel, account, user_id)
    known = _IDENTITIES.get(key)
    if known is None:
        if len(_IDENTITIES) >= IDENTITIES_KEPT:
            _IDENTITIES.clear()
        known = _IDENTITIES[key] = Identity(channel=channel, account=account, user_id=user_id)
    return known


@dataclass(frozen=True, slots=True)
class IdChange:
    """A ``system`` message: the user changed number (a new BSUID comes with it) or
    their BSUID changed."""

    new: Identity
    old: tuple[Identity, ...]
    #: The new phone number (digits), for ``user_changed_number`` only.
    phone: str | None


def id_change(message: Mapping[str, Any], account: str, channel: str) -> IdChange | None:
    system = message.get("system")
    system = system if isinstance(system, dict) else {}
    kind = system.get("type")
    if kind not in ("user_changed_number", "user_changed_user_id"):
        return None
    phone = _str(system.get("wa_id")) if kind == "user_changed_number" else None
    new = _str(system.get("parent_user_id")) or _str(system.get("user_id")) or phone
    olds = [_str(system.get("previous_parent_user_id")), _str(system.get("previous_user_id")),
            _str(message.get("from_parent_user_id")), _str(message.get("from_user_id")),
            # Before BSUIDs, and for identities stored then: the old phone number.
            _str(message.get("from")) if kind == "user_changed_number" else None]
    old = tuple(dict.fromkeys(o for o in olds if o and o != new))
    if new is None or not old:
        return None
    return IdChange(new=Identity(channel=channel, account=account, user_id=new),
                    old=tuple(Identity(channel=channel, account=account, user_id=o)
                              for o in old),
                    phone=phone)


def status_recipient(item: Mapping[str, Any], account: str,
                     channel: str) -> tuple[Identity, tuple[Identity, ...]] | None:
    """Whom a status is about: the BSUID (``recipient_user_id``) where given, the phone
    number as its alias (a status for a send to a phone-keyed identity of earlier days)."""
    phone, user_id = _str(item.get("recipient_id")), _str(item.get("recipient_user_id"))
    key = _str(item.get("recipient_parent_user_id")) or user_id or phone
    if key is None:
        return None
    return (Identity(channel=channel, account=account, user_id=key),
            tuple(Identity(channel=channel, account=account, user_id=i)
                  for i in dict.fromkeys((user_id, phone)) if i and i != key))


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
