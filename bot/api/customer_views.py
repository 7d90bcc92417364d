"""What the customer API answers about a customer, built from what the store holds: the
record (profile, tags, consent summary, identities, attached ids), the short summary a
list gives per customer, and the transcript's messages.

Kept apart from the routes (``customers.py``) so the shapes the OpenAPI document
promises (``openapi_customers.py``) are built in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.consent.ledger import entries
from bot.messages import Identity
from bot.model import Event, Profile, Session
from bot.store.directory import CustomerDirectory
from bot.store.store import Store

#: Profile fields the API shows and ``PATCH`` may change (tags and consent apart).
PROFILE_FIELDS = ("name", "phone", "phone_verified", "username", "email", "email_verified",
                  "locale")
#: History kinds that are messages (the transcript's entries).
MESSAGE_KINDS = {"inbound": "in", "outbound": "out"}


def profile_view(profile: Profile) -> dict[str, Any]:
    return {name: getattr(profile, name) for name in PROFILE_FIELDS}


def consent_summary(profile: Profile) -> list[dict[str, Any]]:
    """Each decision kept: purpose, scope, granted, when and how (newest first)."""
    return [{"purpose": row["purpose"], "scope": row["scope"], "granted": row["granted"],
             "at": row["at"], "source": row.get("source")} for row in entries(profile)]


def identity_view(identity: Identity, last_wrote: dict[str, float]) -> dict[str, Any]:
    return {"channel": identity.channel, "account": identity.account,
            "user_id": identity.user_id, "last_wrote_at": last_wrote.get(identity.key)}


def summary(customer_id: str, session: Session, profile: Profile,
            history: Sequence[Event]) -> dict[str, Any]:
    """One customer in a list: enough to pick them, then GET the whole record."""
    return {"customer_id": customer_id, "name": profile.name, "tags": list(profile.tags),
            "mode": session.mode, "last_active_at": history[-1].at if history else None}


def message_view(event: Event) -> dict[str, Any]:
    """One transcript entry: who spoke, on which channel, what."""
    return {"at": event.at, "direction": MESSAGE_KINDS[event.kind], "channel": event.channel,
            "text": event.text, "author": event.data.get("author")}


async def customer_record(store: Store, directory: CustomerDirectory,
                          customer_id: str) -> dict[str, Any]:
    """The whole record ``GET /customers/{id}`` answers."""
    session, profile = await store.load(customer_id)
    identities = sorted(await store.identities(customer_id), key=lambda i: i.key)
    last_wrote = await store.last_inbound(customer_id)
    attached = await directory.attached(customer_id)
    return {"customer_id": customer_id, "profile": profile_view(profile),
            "tags": list(profile.tags), "consents": consent_summary(profile),
            "identities": [identity_view(i, last_wrote) for i in identities],
            "emails": attached.get("email", []), "external_ids": attached.get("external", []),
            "mode": session.mode}


async def summaries(store: Store, customer_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The list entries of ``customer_ids``, in order, leaving out any no longer held."""
    found = await store.overviews(customer_ids, events=1)
    return [summary(customer_id, *held) for customer_id, held in zip(customer_ids, found,
                                                                   strict=True)
            if held is not None]
