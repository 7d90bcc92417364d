"""A segment's conditions over one customer (pure functions, no server): each condition
alone, and the skips that are counted rather than filtered."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from bot.campaigns.segments import NO_CONSENT, NO_REACHABLE_CHANNEL, in_segment, verdict
from bot.config.campaigns import Segment
from bot.messages import Identity
from bot.model import Consent, Profile
from bot.store.campaigns import FrameView, SessionView, Snapshot

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
WA = Identity(channel="whatsapp", account="PNID", user_id="34600111222")
TG = Identity(channel="telegram", account="bot", user_id="42")


def snapshot(*, profile: Profile | None = None, identities: tuple[Identity, ...] = (WA,),
             unreachable: dict[str, str] | None = None,
             flows: tuple[tuple[str, float], ...] = ()) -> Snapshot:
    return Snapshot(customer_id="c1", profile=profile or Profile(),
                    session=SessionView(address=identities[0] if identities else None,
                                        stack=[FrameView(flow=f, started_at=at)
                                               for f, at in flows]),
                    identities=[i.key for i in identities], unreachable=unreachable or {},
                    last_inbound={})


def matches(segment: Mapping[str, object], snap: Snapshot, last_seen: float = NOW) -> bool:
    return in_segment(Segment.model_validate(segment), snap, last_seen=last_seen, now=NOW,
                      default_locale="en")


@pytest.mark.parametrize(("segment", "profile", "expected"), [
    ({"tags": ["vip"]}, Profile(tags=["vip", "madrid"]), True),
    ({"tags": ["vip", "gold"]}, Profile(tags=["vip"]), False),
    ({"locales": ["es"]}, Profile(locale="es"), True),
    ({"locales": ["es"]}, Profile(), False),  # no locale: the default, en
    ({"profile": {"timezone": "Europe/Madrid"}}, Profile(timezone="Europe/Madrid"), True),
    ({"profile": {"first_name": "Ana"}}, Profile(name="Ana López"), True),
    ({"profile": {"email": "a@example.com"}}, Profile(), False),
])
def test_profile_conditions(segment: dict[str, object], profile: Profile,
                            expected: bool) -> None:
    assert matches(segment, snapshot(profile=profile)) is expected


def test_channels_and_last_seen() -> None:
    assert matches({"channels": ["telegram"]}, snapshot(identities=(WA, TG)))
    assert not matches({"channels": ["telegram"]}, snapshot())
    assert matches({"last_seen_before": "2026-03-01T00:00:00Z"}, snapshot(), NOW - 3 * 86400)
    assert not matches({"last_seen_before": "2026-03-01T00:00:00Z"}, snapshot())
    assert matches({"last_seen_after": NOW - 3600}, snapshot())


def test_started_a_flow_and_did_not_finish_it_within_the_hours() -> None:
    rule = {"unfinished_flow": {"flow": "returns", "hours": 24}}
    assert matches(rule, snapshot(flows=(("returns", NOW - 25 * 3600),)))
    assert not matches(rule, snapshot(flows=(("returns", NOW - 2 * 3600),)))  # too recent
    assert not matches(rule, snapshot(flows=(("orders", NOW - 25 * 3600),)))
    assert not matches(rule, snapshot())  # finished (or never started)


def test_no_consent_and_no_reachable_channel_are_skips_with_the_reason() -> None:
    granted = {"marketing": Consent(granted=True, at=time.time(), channel="whatsapp")}
    defaults = {"marketing": False}
    enabled = ["whatsapp", "telegram"]
    segment = Segment()
    assert verdict(segment, snapshot(profile=Profile(consents=granted)), enabled=enabled,
                   consent_defaults=defaults).skip is None
    assert verdict(segment, snapshot(), enabled=enabled,
                   consent_defaults=defaults).skip == NO_CONSENT
    blocked = snapshot(profile=Profile(consents=granted), unreachable={WA.key: "blocked"})
    assert verdict(segment, blocked, enabled=enabled,
                   consent_defaults=defaults).skip == NO_REACHABLE_CHANNEL
    assert verdict(segment, snapshot(profile=Profile(consents=granted)), enabled=["sms"],
                   consent_defaults=defaults).skip == NO_REACHABLE_CHANNEL
