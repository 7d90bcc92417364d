"""How two customers become one, as pure functions: nothing is lost.

Rules (documented in the README):
- History: both histories, interleaved by time.
- Profile: the customer being joined (the "target", who created the link code or owns
  the vouched number) keeps their values; the other fills the gaps; a verified phone or
  e-mail beats an unverified one; for each consent the most recent decision wins; tags
  are united; the earlier first touch and the later last touch are kept.
- Session: when both have a flow in progress, the one touched most recently continues and
  the other is put aside in ``suspended``, to be offered again ("you also had a return in
  progress: continue it?"). Suspended flows of both are kept.
"""

from __future__ import annotations

from bot.model import Event, Profile, Session


def merge_profiles(target: Profile, source: Profile) -> Profile:
    merged = target.model_copy(deep=True)
    for field in ("name", "username", "locale"):
        if getattr(merged, field) is None:
            setattr(merged, field, getattr(source, field))
    if source.phone and (not merged.phone or (source.phone_verified and not merged.phone_verified)):
        merged.phone, merged.phone_verified = source.phone, source.phone_verified
    if source.email and (not merged.email or (source.email_verified and not merged.email_verified)):
        merged.email, merged.email_verified = source.email, source.email_verified
    for key, consent in source.consents.items():
        mine = merged.consents.get(key)
        if mine is None or consent.at > mine.at:
            merged.consents[key] = consent
    merged.tags = list(dict.fromkeys([*merged.tags, *source.tags]))
    touches = [t for t in (merged.first_touch, source.first_touch) if t is not None]
    merged.first_touch = min(touches, key=lambda t: t.at) if touches else None
    latest = [t for t in (merged.last_touch, source.last_touch) if t is not None]
    merged.last_touch = max(latest, key=lambda t: t.at) if latest else None
    return merged


def merge_sessions(target: Session, source: Session) -> Session:
    merged = target.model_copy(deep=True)
    suspended = [*target.suspended, *source.suspended]
    if source.stack:
        if not target.stack:
            merged.stack = [f.model_copy(deep=True) for f in source.stack]
        elif source.stack[-1].updated_at > target.stack[-1].updated_at:
            suspended.extend(target.stack)
            merged.stack = [f.model_copy(deep=True) for f in source.stack]
        else:
            suspended.extend(source.stack)
    merged.suspended = suspended
    if source.mode != "bot" and merged.mode == "bot":
        merged.mode, merged.operator = source.mode, source.operator
    merged.greeted_on = list(dict.fromkeys([*target.greeted_on, *source.greeted_on]))
    merged.misunderstood = 0
    return merged


def merge_histories(target: list[Event], source: list[Event], limit: int) -> list[Event]:
    """Both histories interleaved by time (stable: equal times keep target first)."""
    merged = sorted([*target, *source], key=lambda e: e.at)
    return merged[-limit:]
