from __future__ import annotations

import hashlib

from bot.linking import codes
from bot.model import Consent, Event, Frame, Profile, Session
from bot.store.links import keyed_hash
from bot.store.merging import merge_histories, merge_profiles, merge_sessions


def test_codes_use_an_unambiguous_alphabet_and_display_with_a_dash() -> None:
    assert not set("0O1IL") & set(codes.ALPHABET)
    code = codes.new_code()
    assert len(code) == 8 and set(code) <= set(codes.ALPHABET)
    assert codes.display(code) == f"{code[:4]}-{code[4:]}"
    assert len({codes.new_code() for _ in range(1000)}) == 1000


def test_codes_are_recognised_typed_any_way_and_through_deep_links() -> None:
    for text in ("ABCD-2345", "abcd2345", " abcd-2345 ", "/start ABCD2345", "ABCD 2345"):
        assert codes.extract(text) == "ABCD2345", text
    for text in ("ABCD-234", "hello there", "ABCD-2340", "/start", None, "T100"):
        assert codes.extract(text) is None, text


def test_codes_are_stored_as_a_keyed_digest_not_an_unsalted_sha256() -> None:
    secret = b"s" * 32
    stored = keyed_hash(secret, "link", "ABCD2345")
    assert "ABCD2345" not in stored and len(stored) == 64
    # The unkeyed hash anyone could compute for every code (finding 23) is not what is kept.
    assert stored != hashlib.sha256(b"omnicanal-link:ABCD2345").hexdigest()
    assert stored != keyed_hash(b"t" * 32, "link", "ABCD2345"), "another secret, another hash"


def test_profiles_combine_by_the_documented_rule() -> None:
    target = Profile(name="Ana", phone="+34600000001", phone_verified=False, tags=["vip"],
                     consents={"offers": Consent(granted=True, at=100, channel="telegram")})
    source = Profile(name="Ana María", phone="+34600000002", phone_verified=True,
                     email="ana@example.com", locale="es", tags=["faults", "vip"],
                     consents={"offers": Consent(granted=False, at=200, channel="whatsapp")})
    merged = merge_profiles(target, source)
    assert merged.name == "Ana"  # the target's values stay
    assert merged.locale == "es" and merged.email == "ana@example.com"  # gaps are filled
    assert merged.phone == "+34600000002" and merged.phone_verified  # verified wins
    assert not merged.consents["offers"].granted  # the most recent decision wins
    assert merged.tags == ["vip", "faults"]


def test_the_more_recent_flow_continues_and_the_other_is_put_aside() -> None:
    older = Session(stack=[Frame(flow="report", step="ask_problem", updated_at=100)])
    newer = Session(stack=[Frame(flow="ticket", step="ask_number", updated_at=200)])
    merged = merge_sessions(older, newer)
    assert [f.flow for f in merged.stack] == ["ticket"]
    assert [f.flow for f in merged.suspended] == ["report"]
    merged = merge_sessions(newer, older)
    assert [f.flow for f in merged.stack] == ["ticket"]
    assert [f.flow for f in merged.suspended] == ["report"]


def test_histories_interleave_by_time_and_keep_everything_within_the_cap() -> None:
    a = [Event(kind="inbound", at=t, text=f"a{t}") for t in (1, 3, 5)]
    b = [Event(kind="inbound", at=t, text=f"b{t}") for t in (2, 4)]
    assert [e.text for e in merge_histories(a, b, 10)] == ["a1", "b2", "a3", "b4", "a5"]
    assert [e.text for e in merge_histories(a, b, 3)] == ["a3", "b4", "a5"]
