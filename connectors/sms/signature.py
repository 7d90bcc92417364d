"""Checking ``X-Twilio-Signature`` exactly as Twilio signs: HMAC-SHA1 with the Auth Token
over the URL Twilio called followed by every POST parameter (names sorted, each name then
its value), base64-encoded. The twilio package's ``RequestValidator`` is the reference
implementation. It is imported here only, so only where the sms connector is enabled (the
registry imports enabled types only): without the ``sms`` extra, ``omnicanal check``
names the section and the missing package.

The URL is the one Twilio was given, not the one our server sees: behind a proxy the
request arrives as ``http://127.0.0.1:8080/webhooks/sms`` while Twilio signed
``https://shop.example/webhooks/sms``. So it is built from our public base URL
(``server.public_url``) and the request's path and query. Empty parameters (an MMS's
``Body=``) are signed too, so the form is read keeping them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from urllib.parse import parse_qsl, urlencode

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


class FormParams(dict[str, list[str]]):
    """A form's fields with every value of each (``getall``: how the validator reads a
    multi-valued mapping, so a repeated field is signed with all its values)."""

    def getall(self, name: str) -> list[str]:
        return self[name]

    def first(self) -> dict[str, str]:
        """Each field's first value (Twilio never repeats one)."""
        return {name: values[0] for name, values in self.items()}


def form_params(body: bytes) -> FormParams | None:
    """The fields of a form-encoded body, blanks kept; None when it is not UTF-8 (it cannot
    be what Twilio signed)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    params = FormParams()
    for name, value in parse_qsl(text, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return params


def signed_url(base: str, path: str, query: Mapping[str, str]) -> str:
    """The URL Twilio signed: our public base, the path, and the query (rebuilt, so keep
    the webhook URL in Twilio's console free of one, or in its plain form)."""
    url = base.rstrip("/") + path
    return f"{url}?{urlencode(list(query.items()))}" if query else url


class _Validator(Protocol):
    def validate(self, uri: str, params: object, signature: str) -> bool: ...

    def compute_signature(self, uri: str, params: object) -> str: ...


class SignatureChecker:
    """Validates requests signed with one Auth Token."""

    def __init__(self, auth_token: str) -> None:
        if not auth_token:
            raise ValueError("the Twilio auth_token must not be empty")
        self._validator: _Validator = RequestValidator(auth_token)

    def valid(self, url: str, params: FormParams, signature: str | None) -> bool:
        """True when ``signature`` is Twilio's for ``url`` and ``params`` (the validator
        also tries the URL with and without its default port, as Twilio's SDKs do)."""
        if not signature:
            return False
        return bool(self._validator.validate(url, params, signature))

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        """The signature Twilio would send (for tests and fakes)."""
        return str(self._validator.compute_signature(url, dict(params)))
