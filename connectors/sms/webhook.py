"""The two webhooks Twilio calls: incoming messages and delivery statuses.

Both are form posts signed with ``X-Twilio-Signature``; a request without a valid one is
refused with 403 before any field is read as a message. An incoming message is answered
2xx only once the core has recorded it, with an empty TwiML ``<Response/>`` (the bot's
replies go out through the API, so Twilio is asked to send nothing itself); 503 when the
store could not record it. Twilio retries a failed webhook only when the URL asks for it
(connection overrides, e.g. ``#rc=3&rp=all``) or a fallback URL is set: see the README.
Dedupe is the core's, on ``MessageSid``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from bot.channels import ConnectorContext, DeliveryStatus
from bot.errors import StoreError
from bot.messages import Inbound
from bot.web.types import Route, WebRequest, WebResponse
from connectors.sms.signature import (
    SIGNATURE_HEADER,
    FormParams,
    SignatureChecker,
    form_params,
    signed_url,
)

log = logging.getLogger(__name__)

#: Twilio's webhook bodies are a few kilobytes at most (1600 characters of text).
MAX_BODY = 64 * 1024
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

T = TypeVar("T")

ParseMessage = Callable[[Mapping[str, str]], Inbound | None]
ParseStatus = Callable[[Mapping[str, str]], DeliveryStatus | None]


def _twiml() -> WebResponse:
    return WebResponse(status=200, body=EMPTY_TWIML, content_type="text/xml")


class TwilioWebhook:
    def __init__(self, *, channel: str, path: str, checker: SignatureChecker,
                 parse_message: ParseMessage, parse_status: ParseStatus) -> None:
        self.channel = channel
        self.path = path
        self.status_path = f"{path.rstrip('/')}/status"
        self._checker = checker
        self._parse_message = parse_message
        self._parse_status = parse_status
        self._context: ConnectorContext | None = None

    def bind(self, context: ConnectorContext) -> None:
        self._context = context

    def routes(self) -> Sequence[Route]:
        return (Route("POST", self.path, self.receive, max_body=MAX_BODY),
                Route("POST", self.status_path, self.receive_status, max_body=MAX_BODY))

    def public_base(self, request: WebRequest | None = None) -> str | None:
        """Our address as Twilio calls it: ``server.public_url`` (the runtime's own address
        when that is not set), else what the request's ``Host`` says."""
        if self._context is not None and self._context.public_url:
            return self._context.public_url
        host = request.header("Host") if request is not None else None
        return f"http://{host}" if host else None

    def _verified(self, request: WebRequest) -> FormParams | None:
        """The form's fields when the request is signed by Twilio for this URL; None (and
        a log line saying how to fix it) when not."""
        signature = request.header(SIGNATURE_HEADER)
        if not signature:
            log.warning("%s: webhook POST without %s refused", self.channel, SIGNATURE_HEADER)
            return None
        params = form_params(request.body)
        base = self.public_base(request)
        if params is None or base is None:
            log.warning("%s: webhook POST that is not a UTF-8 form refused", self.channel)
            return None
        url = signed_url(base, request.path, request.query)
        if not self._checker.valid(url, params, signature):
            log.warning("%s: webhook POST with a bad signature for %s refused; if Twilio calls"
                        " another address (a proxy in front), set server.public_url to it",
                        self.channel, url)
            return None
        return params

    async def receive(self, request: WebRequest) -> WebResponse:
        return await self._signed(request, "message", self._parse_message, _record_message)

    async def receive_status(self, request: WebRequest) -> WebResponse:
        return await self._signed(request, "status", self._parse_status, _record_status)

    async def _signed(self, request: WebRequest, what: str,
                      parse: Callable[[Mapping[str, str]], T | None],
                      record: Callable[[ConnectorContext, T], Awaitable[None]]) -> WebResponse:
        """Verify, parse, record: 403 unsigned, 503 when the store could not record it,
        else an empty TwiML answer (also for a shape we cannot read: it must not loop)."""
        params = self._verified(request)
        if params is None:
            return WebResponse.text(403, "bad signature")
        context = self._context
        if context is None:
            return WebResponse.text(503, "not started")
        try:
            item = parse(params.first())
        except Exception:  # the handler's boundary: a shape we do not know must not loop
            log.exception("%s: could not read a signed %s webhook; acknowledged",
                          self.channel, what)
            return _twiml()
        if item is not None:
            try:
                await record(context, item)
            except StoreError as exc:
                log.warning("%s: %s not recorded, answered 503: %s", self.channel, what, exc)
                return WebResponse.text(503, "retry later")
        return _twiml()


async def _record_message(context: ConnectorContext, inbound: Inbound) -> None:
    await context.sink([inbound])


async def _record_status(context: ConnectorContext, status: DeliveryStatus) -> None:
    if context.status is not None:
        await context.status(status)
