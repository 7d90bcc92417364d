"""The signature as docs/events.md documents it, computed here from the standard library
alone, against what the sender puts in the header."""

from __future__ import annotations

import hashlib
import hmac

from bot.webhooks.signing import sign, verify

SECRET = "whsec-0123456789abcdef"
BODY = b'{"id":"evt_1","type":"customer.created"}'


def test_the_header_is_hmac_sha256_over_timestamp_dot_body() -> None:
    header = sign(SECRET, BODY, timestamp=1_700_000_000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify(SECRET, BODY, header, now=1_700_000_100)


def test_a_wrong_secret_a_changed_body_or_an_old_timestamp_do_not_verify() -> None:
    header = sign(SECRET, BODY, timestamp=1_700_000_000)
    assert not verify("another-secret-0123", BODY, header, now=1_700_000_000)
    assert not verify(SECRET, BODY + b" ", header, now=1_700_000_000)
    assert not verify(SECRET, BODY, header, now=1_700_000_000 + 301)
    assert not verify(SECRET, BODY, "v1=deadbeef", now=1_700_000_000)
    assert not verify(SECRET, BODY, "t=soon,v1=deadbeef", now=1_700_000_000)
