"""The signature as docs/events.md documents it, computed here from the standard library
alone, against what the sender puts in the header."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path
from typing import Any

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


def test_the_readme_snippet_verifies_what_the_bot_signs() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    [snippet] = [block for block in re.findall(r"```py\n(.*?)```", readme, re.DOTALL)
                 if "def verified" in block]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "README.md", "exec"), namespace)
    verified = namespace["verified"]
    header = sign(SECRET, BODY)
    assert verified(SECRET, BODY, header)
    assert not verified(SECRET, BODY + b"x", header)
    assert not verified(SECRET, BODY, sign(SECRET, BODY, timestamp=1_700_000_000))
