"""The consent ledger of one customer, as pure functions over ``Profile.consents``.

A decision is about a *purpose* (``marketing``: offers and campaigns; ``notifications``:
transactional messages such as "your order shipped") and covers every channel
(``scope="all"``, kept under the purpose's name) or one (kept under
``purpose@channel``). What counts for a purpose on a channel is the most recent decision
whose scope covers that channel, so a STOP (every channel, now) beats an older grant on
one channel, and a newer grant on one channel beats an older STOP there only.

Without any decision a purpose's default applies (``consent.defaults`` in config.yaml:
marketing is refused, notifications are allowed until the customer says no).

Every change is a history event: the consent stage (``bot/consent_notice.py``) compares
the ledger before and after each turn and writes one ``consent`` event per decision that
changed, whoever changed it (a flow, a keyword, a carrier, the API). Merges keep the most
recent decision per key (``bot/store/merging.py``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from bot.model import Consent, Event, Profile

MARKETING = "marketing"
NOTIFICATIONS = "notifications"
#: Keys written before the ledger had purposes: "offers" was the demo's marketing consent.
LEGACY = {"offers": MARKETING}
ALL = "all"


def ledger_key(purpose: str, scope: str = ALL) -> str:
    """Where a decision is kept in ``Profile.consents``."""
    if not purpose or "@" in purpose:
        raise ValueError(f"a consent purpose is a plain name, not {purpose!r}")
    return purpose if scope == ALL else f"{purpose}@{scope}"


def split_key(key: str) -> tuple[str, str]:
    """(purpose, scope) of a ledger key (legacy keys read as their purpose)."""
    purpose, _, scope = key.partition("@")
    return LEGACY.get(purpose, purpose), scope or ALL


def decide(profile: Profile, purpose: str, granted: bool, *, channel: str,
           scope: str = ALL, source: str | None = None, text: str | None = None,
           keyword: str | None = None, campaign: str | None = None, qr: str | None = None,
           at: float | None = None) -> Consent:
    """Record a decision in ``profile`` (replacing the one of the same purpose and
    scope) and return it. ``text`` is what the customer agreed to, as shown to them."""
    consent = Consent(granted=granted, at=time.time() if at is None else at, channel=channel,
                      scope=scope, source=source, text=text, keyword=keyword,
                      campaign=campaign, qr=qr)
    profile.consents[ledger_key(purpose, scope)] = consent
    return consent


def withdraw_everywhere(profile: Profile, purpose: str, *, channel: str, source: str,
                        keyword: str | None = None, at: float | None = None) -> Consent:
    """An opt-out: the purpose refused on every channel from now on."""
    return decide(profile, purpose, False, channel=channel, source=source, keyword=keyword,
                  at=at)


def decision(consents: Mapping[str, Consent], purpose: str, channel: str) -> Consent | None:
    """The decision that counts for ``purpose`` on ``channel``: the most recent one whose
    scope covers the channel; None when the customer never decided."""
    found: Consent | None = None
    for key, consent in consents.items():
        kept_purpose, scope = split_key(key)
        if kept_purpose != purpose or scope not in (ALL, channel):
            continue
        if found is None or consent.at > found.at:
            found = consent
    return found


def allowed(consents: Mapping[str, Consent], purpose: str, channel: str, *,
            default: bool) -> bool:
    """May the business message the customer for ``purpose`` on ``channel``?"""
    found = decision(consents, purpose, channel)
    return default if found is None else found.granted


def changes(before: Mapping[str, Consent], after: Mapping[str, Consent], *,
            identity: str | None = None, message_id: str | None = None) -> list[Event]:
    """One history event per decision that is new or replaced between two ledgers."""
    events = []
    for key, consent in after.items():
        if before.get(key) is consent:
            continue
        previous = before.get(key)
        if previous is not None and previous == consent:
            continue
        purpose, scope = split_key(key)
        decided = "given" if consent.granted else "withdrawn"
        where = "every channel" if scope == ALL else scope
        by = f" by {consent.keyword}" if consent.keyword else ""
        data: dict[str, object] = {
            "purpose": purpose, "scope": scope, "granted": consent.granted,
            "source": consent.source, "keyword": consent.keyword, "text": consent.text,
            "campaign": consent.campaign, "qr": consent.qr}
        if message_id is not None:
            data["message_id"] = message_id
        events.append(Event(kind="consent", at=consent.at, channel=consent.channel,
                            identity=identity,
                            text=f"consent {decided} ({purpose}, {where}){by}",
                            data={k: v for k, v in data.items() if v is not None}))
    return events


def entries(profile: Profile) -> list[dict[str, object]]:
    """The ledger as plain rows, newest first (the console's profile panel, the API)."""
    rows: list[dict[str, object]] = []
    for key, consent in profile.consents.items():
        purpose, scope = split_key(key)
        rows.append({"purpose": purpose, **consent.model_dump(exclude_none=True),
                     "scope": scope})
    return sorted(rows, key=lambda row: -float(str(row["at"])))
