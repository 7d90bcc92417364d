"""Twilio's Messages API, spoken with aiohttp: one form POST, and one function mapping
Twilio's answers to the typed errors of ``bot.errors``.

Not the twilio package's REST client: its base URL is fixed per API domain
(``https://api.twilio.com``, rewritten for edges and regions; only an undocumented attribute
would point it at a fake), it brings a second HTTP stack (aiohttp-retry) retrying under the
dispatcher, which already retries with the idempotency key, and reaching the Messages
resource imports a few hundred modules. The package is used for what it is the reference
for: validating webhook signatures (``connectors.sms.signature``).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.channels.http import post_for_json, retry_after
from bot.errors import (
    AuthenticationFailed,
    ConnectorError,
    PlatformError,
    RateLimited,
    TransientError,
    Unreachable,
)

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
#: 21610: the recipient texted STOP; 21211: not a valid phone number; 21612: not
#: reachable by SMS from this sender; 21614: not a mobile number.
UNREACHABLE_CODES = frozenset({21610, 21211, 21612, 21614})
#: 20003: authentication failed; 20005: the account is not active.
AUTHENTICATION_CODES = frozenset({20003, 20005})
#: Seconds to wait on a 429 without a Retry-After header.
RATE_LIMIT_BACKOFF = 1.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)


def messages_url(api_base: str, account_sid: str) -> str:
    return f"{api_base.rstrip('/')}/{API_VERSION}/Accounts/{account_sid}/Messages.json"


def basic_auth(login: str, secret: str) -> str:
    """The ``Authorization`` header for HTTP basic auth (the account SID and Auth Token,
    or an API key's SID and secret)."""
    return "Basic " + base64.b64encode(f"{login}:{secret}".encode()).decode("ascii")


def twilio_error(channel: str, status: int, body: object,
                 headers: Mapping[str, str] | None = None) -> ConnectorError:
    """The typed error for a non-2xx answer (``body`` is the decoded JSON, if any)."""
    fields = body if isinstance(body, dict) else {}
    code = fields.get("code")
    message = str(fields.get("message") or f"HTTP {status}")
    if status == 429 or code == 20429:
        return RateLimited(channel, retry_after(headers) or RATE_LIMIT_BACKOFF, message)
    if code in UNREACHABLE_CODES:
        return Unreachable(channel, f"{message} (Twilio error {code})")
    if status == 401 or code in AUTHENTICATION_CODES:
        log.error("%s: Twilio refused our credentials (%s); fix connectors.%s.account_sid and"
                  " auth_token (or api_key_sid and api_key_secret) in config.yaml",
                  channel, message, channel)
        return AuthenticationFailed(channel, f"credentials refused: {message} (fix "
                                    f"connectors.{channel}.auth_token or the API key)")
    if status >= 500:
        return TransientError(channel, f"Twilio answered {status}: {message}")
    return PlatformError(channel, code if isinstance(code, int | str) else status, message)


async def create_message(session: aiohttp.ClientSession, channel: str, url: str,
                         form: Mapping[str, str], authorization: str) -> dict[str, Any]:
    """POST one message (``authorization``: the basic-auth header); return Twilio's
    message resource or raise the typed error."""
    answer = await post_for_json(
        session, channel, "Twilio", url, data=dict(form),
        headers={"Authorization": authorization}, timeout=REQUEST_TIMEOUT,
        to_error=lambda status, body, hdrs: twilio_error(channel, status, body, hdrs))
    if not isinstance(answer.get("sid"), str):
        raise TransientError(channel, "Twilio answered without a message sid")
    return answer
