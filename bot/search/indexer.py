"""Keeping the search index up to date: an observer of committed turns, like analytics.

Each committed turn is turned into terms and facets and buffered; a flush (every
``flush_seconds``) files them, one script per customer, so the message path pays no
round trip. Nothing is lost, though a crash loses the buffer: each filing says which
session version it continues from, and the index keeps the version it has seen. A
filing that does not continue (a turn whose filing died with a process, a merge, a
customer from before the index existed) is answered "gap", and the customer is then
reindexed whole from what the store holds. ``catch_up`` compares every session's version
with the index's and reindexes those behind, so a customer who never writes again is
found all the same.

That catch-up reads every session, so it no longer runs at every process start (issue
22: its cost grew with the customers kept, and each web role paid it again): a buffer is
lost only with a process that did not stop cleanly. So each indexing process writes a
heartbeat every ``HEARTBEAT_SECONDS`` and takes it out once its last flush is filed
(``bot/store/chores.py``); when a heartbeat has gone silent (a process died with its
buffer), one live process, under a lease, catches up and then clears it. Beside that, a
full catch-up runs once every ``CATCH_UP_SECONDS`` across all processes, by whichever
wins its lease, at the first start among them too: for what no heartbeat tells (a filing
that failed in a process still running, an index emptied by hand, data from before it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from bot.errors import StoreError
from bot.model import Event, Profile
from bot.search import terms as t
from bot.stages import CommittedTurn
from bot.store.chores import Attendance, ChoreLeases
from bot.store.search import SearchIndex
from bot.store.store import Store

log = logging.getLogger(__name__)

#: Seconds between two heartbeats of an indexing process; one silent for three of them
#: died with the turns it had not filed.
HEARTBEAT_SECONDS = 30.0
#: Seconds between two full catch-ups, across all processes.
CATCH_UP_SECONDS = 3600.0
#: The chores' names: the full catch-up, and the catch-up after a silent process.
CATCH_UP, AFTER_SILENCE, INDEXERS = "search-catch-up", "search-catch-up-silent", "search-indexers"

#: Customers whose profile terms this process remembers having filed.
_KEPT_PROFILES = 10_000
#: Handoff states after which the conversation has a new assignee.
ASSIGNING = ("taken", "transferred", "reopened")


@dataclass(slots=True)
class _Pending:
    """What waits to be filed for one customer: turns from ``from_version`` on."""

    from_version: int | None
    to_version: int
    at: float
    terms: set[str] = field(default_factory=set)
    facets: dict[str, list[str]] = field(default_factory=dict)


class SearchIndexer:
    def __init__(self, store: Store, *, flush_seconds: float = 0.25) -> None:
        self.store = store
        self.index: SearchIndex = store.search_index()
        self.flush_seconds = flush_seconds
        self._pending: dict[str, _Pending] = {}
        self._profiles: OrderedDict[str, tuple[object, ...]] = OrderedDict()
        #: Held while filing: an erasure waits for a filing in flight, then forgets.
        self._filing = asyncio.Lock()
        self.heartbeat_seconds = HEARTBEAT_SECONDS
        #: This process, among those whose heartbeat says they buffer turns.
        self.member = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._attendance = Attendance(store.redis, keys=store.keys, name=INDEXERS)
        self._leases = ChoreLeases(store.redis, keys=store.keys)

    # -- observing (synchronous, on the message path: buffer only) -----------------------

    def turn_committed(self, turn: CommittedTurn) -> None:
        result, events = turn.result, turn.result.events
        at = events[-1].at if events else 0.0
        terms: set[str] = set()
        for event in events:
            terms |= t.event_terms(event)
        terms |= t.session_terms(result.session)
        facets = self._facets(turn)
        terms |= self._profile_terms(turn.customer_id, result.profile, facets)
        if turn.version == 1:
            terms |= t.customer_terms(turn.customer_id)
        pending = self._pending.get(turn.customer_id)
        if pending is None:
            self._pending[turn.customer_id] = _Pending(turn.version - 1, turn.version, at,
                                                       terms, facets)
            return
        if pending.from_version is not None and pending.to_version != turn.version - 1:
            pending.from_version = None  # turns missed between: reindex whole
        pending.to_version, pending.at = turn.version, max(pending.at, at)
        pending.terms |= terms
        for name, values in facets.items():
            pending.facets[name] = sorted({*pending.facets.get(name, []), *values}) \
                if name == "ch" else values

    def _facets(self, turn: CommittedTurn) -> dict[str, list[str]]:
        before, after, events = turn.before, turn.result.session, turn.result.events
        facets: dict[str, list[str]] = {}
        channels = t.channels_of(events)
        if channels:
            facets["ch"] = sorted(t.fold(c) for c in channels)
        states = [e.data.get("state") for e in events if e.kind == "handoff"]
        if states or before.mode != after.mode or turn.version == 1:
            facets["status"] = [t.status_of(after, "resolve" in states[-1:])]
        if after.operator and after.operator != before.operator:
            facets["op"] = [t.fold(after.operator)]
        return facets

    def _profile_terms(self, customer_id: str, profile: Profile,
                       facets: dict[str, list[str]]) -> set[str]:
        """The profile's terms when it changed since this process last filed it."""
        seen = (profile.name, profile.username, profile.email, profile.phone,
                tuple(profile.tags))
        if self._profiles.get(customer_id) == seen:
            self._profiles.move_to_end(customer_id)
            return set()
        self._profiles[customer_id] = seen
        if len(self._profiles) > _KEPT_PROFILES:
            self._profiles.popitem(last=False)
        facets["tag"] = sorted(t.fold(tag) for tag in profile.tags)
        return t.profile_terms(profile)

    # -- filing ---------------------------------------------------------------------------

    async def flush(self) -> None:
        async with self._filing:
            await self._flush()

    async def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for customer_id, entry in pending.items():
            try:
                if entry.from_version == 0 and not await self.store.identities(customer_id):
                    continue  # a first turn of a customer erased since: nothing to file
                filed = entry.from_version is not None and await self.index.file(
                    customer_id, from_version=entry.from_version,
                    to_version=entry.to_version, at=entry.at, terms=entry.terms,
                    facets=entry.facets)
                if not filed:
                    await self.reindex(customer_id)
            except StoreError as exc:
                # The next turn's filing finds the gap and reindexes them whole.
                log.warning("search index: filing a conversation failed: %s", exc)

    async def reindex(self, customer_id: str) -> None:
        """File a customer whole, from what the store holds of them."""
        session, profile = await self.store.load(customer_id)
        history = await self.store.history(customer_id, limit=self.store.history_limit)
        identities = await self.store.identities(customer_id)
        if not identities:
            await self.index.forget(customer_id)
            return
        terms = t.customer_terms(customer_id) | t.profile_terms(profile) \
            | t.session_terms(session)
        for event in history:
            terms |= t.event_terms(event)
        for identity in identities:
            terms |= t.identity_terms(identity.key)
        channels = {i.channel for i in identities} | t.channels_of(history)
        facets = {"ch": sorted(t.fold(c) for c in channels),
                  "status": [t.status_of(session, _last_state(history) == "resolve")],
                  "tag": sorted(t.fold(tag) for tag in profile.tags),
                  "op": [t.fold(o) for o in [session.operator or last_operator(history)]
                         if o]}
        at = history[-1].at if history else 0.0
        await self.index.file(customer_id, from_version=None, to_version=session.version,
                              at=at, terms=terms, facets=facets)
        self._profiles.pop(customer_id, None)

    async def erased(self, customer_id: str) -> None:
        """Take an erased customer out of the index, and out of what waits to be filed."""
        async with self._filing:
            self._pending.pop(customer_id, None)
            self._profiles.pop(customer_id, None)
            await self.index.forget(customer_id)

    async def customers_merged(self, source: str, target: str) -> None:
        """A merge moved ``source``'s history into ``target``: file it there."""
        self._pending.pop(source, None)
        try:
            await self.index.forget(source)
            await self.reindex(target)
        except StoreError as exc:
            log.warning("search index: filing a merge failed (the next start-up "
                        "catches up): %s", exc)

    async def catch_up(self, batch: int = 500) -> int:
        """Reindex every customer the index is behind on. Returns how many."""
        behind = 0
        chunk: list[str] = []
        async for customer_id in self.store.customers_matching(
                self.store.keys.session_pattern):
            chunk.append(customer_id)
            if len(chunk) >= batch:
                behind += await self._catch_up(chunk)
                chunk = []
        return behind + await self._catch_up(chunk)

    async def _catch_up(self, customer_ids: list[str]) -> int:
        stale = await self.index.stale(customer_ids)
        for customer_id in stale:
            await self.reindex(customer_id)
        return len(stale)

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every ``flush_seconds`` until ``stop``, and once more; keep the heartbeat
        and catch up when a process died or the hour's catch-up is this one's. ``close``
        signs off."""
        loop = asyncio.get_running_loop()
        await self.keep_up()
        beat_at = loop.time() + self.heartbeat_seconds
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.flush_seconds)
            await self.flush()
            if loop.time() >= beat_at:
                await self.keep_up()
                beat_at = loop.time() + self.heartbeat_seconds
        await self.flush()

    async def close(self) -> None:
        """File what is left, then sign off: once the turns in flight at shutdown have
        committed (``Runtime.close``), nothing of this process's is lost."""
        await self.flush()
        try:
            await self._attendance.gone(self.member)
        except StoreError as exc:
            log.warning("search index: could not sign off (a catch-up follows): %s", exc)

    async def keep_up(self) -> int:
        """Write this process's heartbeat, and catch up if a process went silent or the
        full catch-up is this process's turn. Returns how many were reindexed."""
        try:
            await self._attendance.present(self.member)
            silent = [member for member in await self._attendance.silent_since(
                time.time() - 3 * self.heartbeat_seconds) if member != self.member]
            chore = AFTER_SILENCE if silent else CATCH_UP
            _, caught = await self._leases.run(chore, 600 if silent else CATCH_UP_SECONDS,
                                               self.catch_up)
            if caught is None:
                return 0  # another process does it, or did it within the hour
            await self._attendance.gone(*silent)
            if silent:
                await self._leases.drop(chore)
        except StoreError as exc:  # the loop's boundary
            log.warning("search index: catching up failed: %s", exc)
            return 0
        if caught:
            log.info("search index: reindexed %d conversation(s)", caught)
        return caught


def _last_state(history: list[Event]) -> object:
    return next((e.data.get("state") for e in reversed(history) if e.kind == "handoff"),
                None)


def last_operator(history: list[Event]) -> str | None:
    """Who had the conversation last (taken, passed to, reopened by)."""
    return next((str(e.data["operator"]) for e in reversed(history)
                 if e.kind == "handoff" and e.data.get("state") in ASSIGNING
                 and e.data.get("operator")), None)
