"""Bearer tokens in config.yaml (operators', API clients'): strong enough, or refused at load."""

from __future__ import annotations

from pydantic import SecretStr

#: A bearer token shorter or plainer than this is refused at load: ``${VAR:-}`` gives "".
MIN_TOKEN_LENGTH = 16
MIN_TOKEN_DISTINCT = 8


def strong_token(value: SecretStr | None) -> SecretStr | None:
    """``value`` when it can serve as a bearer token; ValueError saying how to make one."""
    if value is None:
        return None
    token = value.get_secret_value()
    if len(token) < MIN_TOKEN_LENGTH or len(set(token)) < MIN_TOKEN_DISTINCT \
            or not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError(
            f"must be at least {MIN_TOKEN_LENGTH} printable ASCII characters without "
            f"spaces, at least {MIN_TOKEN_DISTINCT} of them different (is its "
            "environment variable set?); make one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    return value
