"""The console's search: what an operator asks (``GET /operator/api/search``), as index
terms, and the conversations found, shaped for the sidebar.

    q=<words>  channel=<name>  status=bot|queued|human|resolved  operator=<id>
    label=<tag>  since=YYYY-MM-DD  until=YYYY-MM-DD  limit=1..200

Every word and filter must match. With no words, it lists the most recent conversations
(``status=resolved``: the resolved ones). A plain operator finds what they may open: the
queued conversations and those they had themselves; a supervisor finds everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.model import Event, Profile, Session
from bot.operator import views
from bot.operator.auth import Caller
from bot.search import terms as t
from bot.store.search import Hit, SearchIndex
from bot.store.store import Store

MAX_LIMIT = 200
#: The filters, and the facet each is filed under.
FILTERS = {"channel": "ch", "status": "status", "operator": "op", "label": "tag"}


class BadQuery(ValueError):
    """A search the console cannot run; the message says what to send instead."""


@dataclass(frozen=True, slots=True)
class Query:
    terms: list[str]
    since: float
    until: float
    limit: int
    #: The words typed (for the matching line of each result).
    words: list[str]


def parse_query(params: Mapping[str, str]) -> Query:
    words = t.query_terms(params.get("q", ""))
    terms = list(words)
    for name, facet_name in FILTERS.items():
        value = params.get(name, "").strip()
        if not value:
            continue
        if name == "status" and value not in t.STATUSES:
            raise BadQuery(f"status must be one of {', '.join(t.STATUSES)}")
        terms.append(t.facet(facet_name, value))
    try:
        limit = int(params.get("limit", "50"))
    except ValueError:
        raise BadQuery(f"limit must be a number from 1 to {MAX_LIMIT}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be a number from 1 to {MAX_LIMIT}")
    since = _day(params.get("since"), "since")
    until = _day(params.get("until"), "until")
    return Query(terms=terms, since=since.timestamp() if since else 0,
                 until=(until + timedelta(days=1)).timestamp() if until else float("inf"),
                 limit=limit, words=words)


def _day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise BadQuery(f"{name} must be a date like 2026-12-01") from None


async def find(store: Store, index: SearchIndex, query: Query,
               caller: Caller) -> list[dict[str, Any]]:
    """The conversations found, newest first, each with what the sidebar shows."""
    if caller.supervisor:
        hits = await index.find(query.terms, since=query.since, until=query.until,
                                limit=query.limit)
    else:
        # Theirs, and the queue's: two searches, so that neither crowds the other out.
        theirs = await index.find([*query.terms, t.facet("op", caller.account.id)],
                                  since=query.since, until=query.until, limit=query.limit)
        queued = await index.find([*query.terms, t.facet("status", "queued")],
                                  since=query.since, until=query.until, limit=query.limit)
        unique = {hit.customer_id: hit for hit in [*theirs, *queued]}
        hits = sorted(unique.values(), key=lambda hit: hit.at, reverse=True)[:query.limit]
    items = []
    found = await store.overviews([hit.customer_id for hit in hits], events=20)
    for hit, overview in zip(hits, found, strict=True):
        if overview is None:  # merged into another customer since it was filed
            await index.forget(hit.customer_id)
            continue
        items.append(_item(hit, *overview, query.words))
    return items


def _item(hit: Hit, session: Session, profile: Profile, events: list[Event],
          words: list[str]) -> dict[str, Any]:
    item = views.conversation_item(hit.customer_id, session, profile, events)
    item.update(status=(hit.facets.get("status") or [session.mode])[0],
                channels=hit.facets.get("ch", []),
                last_operator=next(iter(hit.facets.get("op", [])), None),
                updated_at=hit.at, match=_matching_line(events, words))
    return item


def _matching_line(events: list[Event], words: list[str]) -> str | None:
    """The latest line of the transcript with one of the words, to show why it matched."""
    if not words:
        return None
    for event in reversed(events):
        if event.text and t.words(event.text) & set(words):
            text: str = event.text
            return text if len(text) <= 160 else text[:157] + "..."
    return None
