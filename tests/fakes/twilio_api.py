"""A fake Twilio, served over real HTTP on 127.0.0.1, for the SMS connector's tests.

Imitates the Messages API (``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``, form
fields, HTTP basic auth with the account SID and Auth Token or an API key) with Twilio's
answers: 201 with the message resource (``sid``, ``status: queued``) or Twilio's error
shape ``{code, message, more_info, status}``. It checks what Twilio checks before taking a
message: ``To`` in E.164 (21604, 21211), one of our numbers as ``From`` or our Messaging
Service (21603, 21212, 21606, 20404), a ``Body`` (21602) of at most 1600 characters,
characters outside the Basic Multilingual Plane counting twice (21617), a well-formed
``StatusCallback`` (21609). Like a carrier, it keeps who sent STOP: sends to them fail with
21610 until they send START.

It also plays Twilio's side of the webhooks: ``incoming`` posts a customer's message to
our webhook and ``status`` posts a message's delivery status to its ``StatusCallback``,
both form-encoded and signed with ``RequestValidator.compute_signature``, as Twilio signs.

Not imitated: MMS media fetching, scheduling, Messaging Service sender pools (the first
number sends), queueing and throughput (every accepted message is "queued" at once).
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.fakes.local_server import LocalServer

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token-for-tests"
NUMBER = "+15550001111"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE",
                     "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
MESSAGES: dict[int, str] = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21211: "The 'To' number {to} is not a valid phone number.",
    21212: "The 'From' number {from_} is not a valid phone number, shortcode, or alphanumeric"
           " sender ID.",
    21602: "Message body is required.",
    21603: "A 'From' or 'MessagingServiceSid' parameter is required to send a message.",
    21604: "A 'To' phone number is required.",
    21606: "The From phone number {from_} is not a valid, SMS-capable inbound phone number or"
           " short code for your account.",
    21609: "Invalid 'StatusCallback'",
    21610: "Attempt to send to unsubscribed recipient",
    21617: "The concatenated message body exceeds the 1600 character limit.",
}


def body_length(text: str) -> int:
    """What Twilio's 1600 limit counts: an emoji (outside the BMP) counts twice."""
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


@dataclass(frozen=True, slots=True)
class SentSms:
    """One accepted message."""

    sid: str
    form: dict[str, str]
    auth_user: str

    @property
    def to(self) -> str:
        return self.form["To"]

    @property
    def body(self) -> str:
        return self.form["Body"]

    @property
    def status_callback(self) -> str | None:
        return self.form.get("StatusCallback")


class TwilioError(Exception):
    def __init__(self, http_status: int, code: int, message: str = "") -> None:
        self.http_status, self.code = http_status, code
        self.message = message or MESSAGES.get(code, "Error")
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
                "status": self.http_status}


@dataclass(slots=True)
class _Failure:
    error: TwilioError
    times: int
    retry_after: float | None


@dataclass(slots=True)
class _Callbacks:
    """An HTTP client for posting to the runtime, opened lazily."""

    session: aiohttp.ClientSession | None = None
    answers: list[tuple[str, int]] = field(default_factory=list)


class FakeTwilio(LocalServer):
    """The fake. ``async with FakeTwilio() as twilio:`` then ``twilio.base_url``."""

    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN,
                 numbers: tuple[str, ...] = (NUMBER,), messaging_service_sid: str | None = None,
                 api_key: tuple[str, str] | None = None) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.numbers, self.messaging_service_sid = numbers, messaging_service_sid
        self.api_key = api_key
        self.sent: list[SentSms] = []
        self.rejected: list[tuple[dict[str, str], int]] = []
        #: Numbers that texted STOP (as a carrier and Twilio keep them).
        self.opted_out: set[str] = set()
        self._validator = RequestValidator(auth_token)
        self._failures: list[_Failure] = []
        self._changed = asyncio.Condition()
        self._callbacks = _Callbacks()

    # ---------------------------------------------------------------- lifecycle
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create)
        return app

    async def close(self) -> None:
        if self._callbacks.session is not None:
            await self._callbacks.session.close()
            self._callbacks.session = None
        await super().close()

    # ---------------------------------------------------------------- test controls
    def fail_next(self, *, http_status: int, code: int, message: str = "", times: int = 1,
                  retry_after: float | None = None) -> None:
        """Answer the next ``times`` sends (after the auth check) with this error."""
        self._failures.append(_Failure(TwilioError(http_status, code, message), times,
                                       retry_after))

    async def wait_for(self, count: int = 1, *, to: str | None = None,
                       timeout: float = 5.0) -> list[SentSms]:
        """The first ``count`` accepted messages (to ``to``, if given), once there."""
        def matching() -> list[SentSms]:
            return [m for m in self.sent if to is None or m.to == to]

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: len(matching()) >= count)
        except TimeoutError:
            raise TimeoutError(f"waited {timeout}s for {count} messages, got "
                               f"{len(matching())}; last rejections: {self.rejected[-3:]!r}"
                               ) from None
        return matching()[:count]

    def to(self, number: str) -> list[SentSms]:
        return [m for m in self.sent if m.to == number]

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return str(self._validator.compute_signature(url, dict(params)))

    # ---------------------------------------------------------------- Twilio's webhooks
    def incoming_params(self, *, sender: str, body: str, to: str | None = None,
                        sid: str | None = None, media: tuple[tuple[str, str], ...] = (),
                        **extra: str) -> dict[str, str]:
        """The fields Twilio posts for a customer's message."""
        sid = sid or ("MM" if media else "SM") + secrets.token_hex(16)
        params = {"ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid,
                  "NumMedia": str(len(media)), "ToCity": "", "FromZip": "", "SmsSid": sid,
                  "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body,
                  "FromCountry": "ES", "To": to or self.numbers[0], "ToZip": "",
                  "NumSegments": "1", "MessageSid": sid, "AccountSid": self.account_sid,
                  "From": sender, "ApiVersion": "2010-04-01"}
        if self.messaging_service_sid is not None:
            params["MessagingServiceSid"] = self.messaging_service_sid
        for index, (url, mime) in enumerate(media):
            params[f"MediaUrl{index}"], params[f"MediaContentType{index}"] = url, mime
        params.update(extra)
        return params

    async def incoming(self, url: str, *, sender: str, body: str, **fields: Any) -> int:
        """A customer texts us: post the signed webhook to ``url``; the HTTP status. A
        keyword changes the carrier's opt-out list first, as Twilio does."""
        word = body.strip().upper()
        if word in OPT_OUT:
            self.opted_out.add(sender)
        elif word in OPT_IN:
            self.opted_out.discard(sender)
        return await self.post_signed(url, self.incoming_params(sender=sender, body=body,
                                                                **fields))

    async def status(self, message: SentSms, status: str, *, error_code: int | None = None,
                     url: str | None = None) -> int:
        """Report ``status`` of a sent message to its StatusCallback (or ``url``)."""
        target = url or message.status_callback
        assert target, "the message was sent without a StatusCallback"
        params = {"SmsSid": message.sid, "SmsStatus": status, "MessageStatus": status,
                  "To": message.to, "MessageSid": message.sid,
                  "AccountSid": self.account_sid, "ApiVersion": "2010-04-01",
                  "From": message.form.get("From", self.numbers[0])}
        if "MessagingServiceSid" in message.form:
            params["MessagingServiceSid"] = message.form["MessagingServiceSid"]
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return await self.post_signed(target, params)

    async def post_signed(self, url: str, params: Mapping[str, str], *,
                          signature: str | None = None,
                          headers: Mapping[str, str] | None = None) -> int:
        """POST ``params`` form-encoded to ``url``, signed for ``url`` unless a
        ``signature`` is given (a forged one, in tests)."""
        if self._callbacks.session is None:
            self._callbacks.session = aiohttp.ClientSession()
        sent_headers = {"X-Twilio-Signature": signature if signature is not None
                        else self.sign(url, params), **(headers or {})}
        async with self._callbacks.session.post(url, data=dict(params),
                                                headers=sent_headers) as response:
            await response.read()
            self._callbacks.answers.append((url, response.status))
            return response.status

    # ---------------------------------------------------------------- the Messages API
    async def _create(self, request: web.Request) -> web.Response:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        try:
            user = self._authorize(request)
            if request.match_info["account"] != self.account_sid:
                raise TwilioError(404, 20404)
            self._injected_failure()
            self._validate(form)
            if form["To"] in self.opted_out:
                raise TwilioError(400, 21610)
        except _Limited as limited:
            self.rejected.append((form, limited.error.code))
            await self._notify()
            return web.json_response(limited.error.body(), status=limited.error.http_status,
                                     headers=limited.headers)
        except TwilioError as error:
            self.rejected.append((form, error.code))
            await self._notify()
            return web.json_response(error.body(), status=error.http_status)
        sid = "SM" + secrets.token_hex(16)
        message = SentSms(sid=sid, form=form, auth_user=user)
        self.sent.append(message)
        await self._notify()
        return web.json_response(
            {"sid": sid, "account_sid": self.account_sid, "to": form["To"],
             "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"),
             "body": form["Body"], "status": "queued", "direction": "outbound-api",
             "api_version": "2010-04-01", "error_code": None, "error_message": None,
             "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"},
            status=201)

    def _authorize(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        try:
            user, _, password = base64.b64decode(header.removeprefix("Basic ")).decode(
            ).partition(":")
        except ValueError:
            raise TwilioError(401, 20003) from None
        allowed = {(self.account_sid, self.auth_token)}
        if self.api_key is not None:
            allowed.add(self.api_key)
        if not header.startswith("Basic ") or (user, password) not in allowed:
            raise TwilioError(401, 20003)
        return user

    def _injected_failure(self) -> None:
        if not self._failures:
            return
        failure = self._failures[0]
        failure.times -= 1
        if failure.times <= 0:
            self._failures.pop(0)
        if failure.retry_after is not None:
            raise _Limited(failure.error, {"Retry-After": f"{failure.retry_after:g}"})
        raise failure.error

    def _validate(self, form: dict[str, str]) -> None:
        to, sender = form.get("To", ""), form.get("From")
        service = form.get("MessagingServiceSid")
        _need(to, 21604)
        _need(E164.fullmatch(to), 21211, to=to)
        _need(sender or service, 21603)
        if sender:
            _need(E164.fullmatch(sender), 21212, from_=sender)
            _need(sender in self.numbers, 21606, from_=sender)
        if service:
            _need(service == self.messaging_service_sid, 20404, http_status=404)
        _need(form.get("Body"), 21602)
        _need(body_length(form["Body"]) <= 1600, 21617)
        callback = form.get("StatusCallback")
        if callback is not None:
            _need(_good_callback(callback), 21609)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


class _Limited(Exception):
    def __init__(self, error: TwilioError, headers: dict[str, str]) -> None:
        super().__init__(error.message)
        self.error, self.headers = error, headers


def _need(ok: object, code: int, *, http_status: int = 400, **values: str) -> None:
    if not ok:
        raise TwilioError(http_status, code, MESSAGES[code].format(**values))


def _good_callback(url: str) -> bool:
    """A fully qualified http(s) URL whose hostname has no underscore, ≤ 4000 characters."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return (len(url) <= 4000 and parts.scheme in ("http", "https") and bool(host)
            and "_" not in host)

