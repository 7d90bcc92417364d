"""Operator passwords: scrypt from the standard library, salted, deliberately slow.

Format: ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``, so parameters can grow later while
old hashes keep working. ``omnicanal hash-password`` prints one for config.yaml.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("the password is empty")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)])


def is_password_hash(stored: str) -> bool:
    """Whether ``stored`` has the shape ``hash_password`` writes (checked at config load, so
    a pasted plain password is refused at start rather than locking its operator out)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        cost, block, parallel = int(n), int(r), int(p)
        salt_bytes = base64.b64decode(salt, validate=True)
        digest_bytes = base64.b64decode(digest, validate=True)
    except ValueError:
        return False
    return (scheme == "scrypt" and cost > 1 and cost & (cost - 1) == 0 and block >= 1
            and parallel >= 1 and len(salt_bytes) >= 8 and len(digest_bytes) >= 16)


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check; False (never an exception) for a malformed hash."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                                r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
