"""A customer's data on request (GDPR articles 15, 17 and 20): everything held about them
as one JSON document, and their erasure, with an audit record that holds nothing
personal.

What the export holds: the profile (name, phone, e-mail, locale, consent decisions,
tags), the e-mails and external ids attached through the API, every identity (channel,
account, the platform's user id, when it was linked and last wrote, whether it is
unreachable and why), the conversation's state (the flows in
progress with the answers given so far, the mode) and the whole history kept
(``store.history_limit`` events: messages both ways, with their channel; operator notes;
flow events with their slots).

What the erasure removes is said in ``bot/store/erasure.py``. Analytics keep only
counts and HyperLogLog sketches (from which no id can be read back), so nothing of them
is personal; a feature's own per-customer keys live under the customer's hash tag and go
with it. The desk's search index lives in shards of its own (``bot/store/search.py``) and
keeps each customer's list of terms, so the erasure takes them out of every one.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

from bot.channels import BaseConnector
from bot.errors import BotError
from bot.model import EVENTS
from bot.search.indexer import SearchIndexer
from bot.store.directory import attached_ids, forget_pointers
from bot.store.erasure import CustomerErasure, Erased
from bot.store.links import LinkStore, keyed_hash
from bot.store.store import Store

log = logging.getLogger(__name__)

#: The export's format, for whoever reads it later.
EXPORT_VERSION = 1


class UnknownCustomer(BotError):
    """No customer with that id is held (never was, or was erased)."""


class CustomerRecords:
    """Export and erase one customer, across the store, the link index and the
    connectors' own state."""

    def __init__(self, store: Store, *, links: LinkStore | None,
                 connectors: Mapping[str, BaseConnector], operators: Sequence[str],
                 indexer: SearchIndexer | None = None) -> None:
        self.store = store
        #: The desk's search index, kept by this process (``bot/search/indexer.py``).
        self.indexer = indexer
        self.links = links
        self.connectors = connectors
        self.operators = list(operators)
        self.erasure = CustomerErasure(store.redis, keys=store.keys)

    async def exists(self, customer_id: str) -> bool:
        return bool(await self.store.identities(customer_id)) or bool(
            (await self.store.load(customer_id))[0].version)

    async def export(self, customer_id: str) -> dict[str, Any]:
        """Everything held about ``customer_id``, as JSON-ready data."""
        if not await self.exists(customer_id):
            raise UnknownCustomer(f"no customer {customer_id!r}")
        store = self.store
        session, profile = await store.load(customer_id)
        identities = await store.identities(customer_id)
        last = await store.last_inbound(customer_id)
        unreachable = set(await store.unreachable_identities(customer_id))
        history = await store.history(customer_id, limit=store.history_limit)
        return {
            "format": EXPORT_VERSION,
            "customer_id": customer_id,
            "exported_at": time.time(),
            "profile": profile.model_dump(mode="json"),
            "identities": [
                {"channel": i.channel, "account": i.account, "user_id": i.user_id,
                 "last_wrote_at": last.get(i.key), "unreachable": i.key in unreachable}
                for i in identities],
            "attached": await attached_ids(store.redis, store.keys, customer_id),
            "conversation": session.model_dump(mode="json", exclude={"version"}),
            "history": [EVENTS.dump_python(event, mode="json") for event in history],
        }

    async def erase(self, customer_id: str, *, actor: str) -> Erased:
        """Remove ``customer_id`` and what names them; audited as done by ``actor``.
        Raises ``UnknownCustomer`` (and changes nothing) for an id not held."""
        if not await self.exists(customer_id):
            raise UnknownCustomer(f"no customer {customer_id!r}")
        store = self.store
        await store.acquire(customer_id)  # no turn runs meanwhile; the lease goes too
        _, profile = await store.load(customer_id)
        identities = await store.identities(customer_id)
        for identity in identities:
            connector = self.connectors.get(identity.channel)
            if connector is not None:
                await connector.forget(identity)
            store.forget_identity(identity.key)
        if self.indexer is not None:
            await self.indexer.erased(customer_id)
        else:
            await store.search_index().forget(customer_id)
        pointers = (self.links.phone_keys(profile.phone)
                    if self.links is not None and profile.phone else [])
        # What the business's own features keep outside the tag (bot/reaching).
        outside = await forget_pointers(store.redis, store.keys, customer_id)
        outside += await store.reminder_index().forget(customer_id)
        erased = await self.erasure.erase(customer_id, identities, pointer_keys=pointers,
                                          operators=self.operators)
        erased = dataclasses.replace(erased, keys=erased.keys + outside)
        if store.events is not None:  # pending events went with the tag; the due marks too
            await store.events.forget(customer_id)
        subject = keyed_hash((await store.secret("audit")).encode(), "customer", customer_id)
        await self.erasure.audit(action="erased", subject=subject, actor=actor,
                                 counts=erased.as_dict())
        log.info("customer erased by %s: %d keys, %d identities", actor, erased.keys,
                 erased.identities)
        return erased
