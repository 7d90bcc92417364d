"""Who a campaign is for: a segment's conditions over one customer, as pure functions.

A customer is *in* the segment when every condition given holds (tags, locale, channels,
last seen, profile fields, an unfinished flow). Of those, a customer is *skipped*, and
counted with the reason, when no enabled channel can reach them (every identity marked
unreachable, or on a channel not enabled here) or when they have not consented to the
segment's purpose on any channel that can. The rest are the audience.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.config.campaigns import Segment
from bot.consent.ledger import allowed
from bot.model import Profile
from bot.store.campaigns import SessionView, Snapshot, channel_of

NO_REACHABLE_CHANNEL = "no_reachable_channel"
NO_CONSENT = "no_consent"


@dataclass(frozen=True, slots=True)
class Verdict:
    """For a customer in the segment: the skip reason, or None and the channel the
    campaign would most likely use (for the per-platform rate limit)."""

    skip: str | None
    channel: str = ""


def profile_values(profile: Profile) -> dict[str, str]:
    """The profile fields a campaign's text and a segment may name, where set."""
    values = {name: str(getattr(profile, name)) for name in
              ("name", "email", "phone", "locale", "username", "timezone",
               "preferred_channel") if getattr(profile, name)}
    if profile.name:
        values["first_name"] = profile.name.split()[0]
    return values


def unfinished(session: SessionView, flow: str, hours: float, now: float) -> bool:
    """The customer is in ``flow`` (active or put aside) since ``hours`` or more."""
    frames = [*session.stack, *session.suspended]
    return any(f.flow == flow and now - f.started_at >= hours * 3600 for f in frames)


def in_segment(segment: Segment, snap: Snapshot, *, last_seen: float, now: float,
               default_locale: str) -> bool:
    profile = snap.profile
    if segment.tags and not set(segment.tags) <= set(profile.tags):
        return False
    if segment.locales and (profile.locale or default_locale) not in segment.locales:
        return False
    if segment.channels and not {channel_of(k) for k in snap.identities} & \
            set(segment.channels):
        return False
    if segment.last_seen_before is not None and \
            last_seen >= segment.last_seen_before.timestamp():
        return False
    if segment.last_seen_after is not None and \
            last_seen <= segment.last_seen_after.timestamp():
        return False
    if segment.profile:
        values = profile_values(profile)
        if any(values.get(k) != v for k, v in segment.profile.items()):
            return False
    rule = segment.unfinished_flow
    return rule is None or unfinished(snap.session, rule.flow, rule.hours, now)


def reachable(snap: Snapshot, enabled: Sequence[str],
              wanted: Sequence[str] = ()) -> list[str]:
    """The customer's identity keys a campaign could use: on an enabled channel (one of
    ``wanted`` when given), not marked unreachable; the one last written from first."""
    found = [k for k in snap.identities if (channel := channel_of(k)) in enabled
             and (not wanted or channel in wanted) and k not in snap.unreachable]
    return sorted(found, key=lambda k: snap.last_inbound.get(k, 0), reverse=True)


def verdict(segment: Segment, snap: Snapshot, *, enabled: Sequence[str],
            consent_defaults: Mapping[str, bool]) -> Verdict:
    """For a customer in the segment: skipped (and why), or in the audience. The
    session's address is looked at only when more than one identity consents (with one,
    it is the channel whichever the address is)."""
    identities = reachable(snap, enabled, segment.channels)
    if not identities:
        return Verdict(NO_REACHABLE_CHANNEL)
    default = consent_defaults.get(segment.consent, False)
    consenting = [k for k in identities
                  if allowed(snap.profile.consents, segment.consent, channel_of(k),
                             default=default)]
    if not consenting:
        return Verdict(NO_CONSENT)
    if len(consenting) > 1:
        address = snap.session.address
        if address is not None and address.key in consenting:
            return Verdict(None, address.channel)
    return Verdict(None, channel_of(consenting[0]))
