"""The webhook both Meta connectors serve: the subscription handshake (GET) and signed
deliveries (POST).

A delivery is verified over the raw body bytes before anything parses it, every message
of the batch is handed to the core at once, and the answer tells Meta whether to deliver
again: 2xx once recorded (or when the body can never be processed), 503 when the store
could not record it. Dedupe is the core's, on the platform message ids.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from bot.channels import ConnectorContext, DeliveryStatus
from bot.errors import StoreError
from bot.keyed_hmac import hmac_sha256
from bot.logs import describe
from bot.messages import Inbound
from bot.web.json_input import json_object
from bot.web.types import Route, WebRequest, WebResponse

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
SIGNATURE_HEADER = "X-Hub-Signature-256"
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
#: The answer to a recorded delivery: one value (frozen), not one built per webhook.
RECORDED = WebResponse.text(200, "ok")

Parse = Callable[[Mapping[str, Any]], list[Inbound]]
#: A delivery's messages and the statuses of our messages, read in one walk.
Read = Callable[[Mapping[str, Any]], tuple[list[Inbound], list[DeliveryStatus]]]
Resolve = Callable[[list[Inbound]], Awaitable[list[Inbound]]]


def signature_valid(app_secret: bytes, body: bytes, header: str | None) -> bool:
    """True when ``header`` is ``sha256=<hex HMAC-SHA256(app_secret, body)>``.

    The secret's HMAC is keyed once (``bot.keyed_hmac``); compared as bytes, in constant
    time."""
    match = _SIGNATURE.fullmatch(header or "")
    if match is None:
        return False
    return hmac.compare_digest(hmac_sha256(app_secret, body).digest(),
                               bytes.fromhex(match.group(1)))


class MetaWebhook:
    """GET and POST handlers for one Meta webhook path.

    ``read`` turns a verified delivery into inbound messages and delivery statuses at once
    (``messages_only(parse)`` for a platform whose deliveries carry messages only);
    ``resolve`` (async) may rewrite inbounds, e.g. to expand short button ids.
    """

    def __init__(
        self,
        *,
        channel: str,
        path: str,
        app_secret: str,
        verify_token: str,
        expected_object: str,
        read: Read,
        resolve: Resolve | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        if not app_secret or not verify_token:
            raise ValueError(f"{channel}: app_secret and verify_token must not be empty")
        self.channel = channel
        self.path = path
        self.expected_object = expected_object
        self.max_body = max_body
        self._secret = app_secret.encode()
        self._verify_token = verify_token.encode()
        self._read = read
        self._resolve = resolve
        self._context: ConnectorContext | None = None

    def bind(self, context: ConnectorContext) -> None:
        self._context = context

    def routes(self) -> Sequence[Route]:
        return (
            Route("GET", self.path, self.verify),
            # The server refuses larger bodies with 413 before the handler runs.
            Route("POST", self.path, self.receive, max_body=self.max_body),
        )

    async def verify(self, request: WebRequest) -> WebResponse:
        """Meta's subscription check: echo ``hub.challenge`` when the token matches."""
        mode = request.query.get("hub.mode")
        token = request.query.get("hub.verify_token", "").encode()
        challenge = request.query.get("hub.challenge", "")
        if mode == "subscribe" and hmac.compare_digest(token, self._verify_token):
            return WebResponse.text(200, challenge)
        log.warning("%s: webhook verification refused (wrong mode or verify token)",
                    self.channel)
        return WebResponse.text(403, "forbidden")

    async def receive(self, request: WebRequest) -> WebResponse:
        header = request.header(SIGNATURE_HEADER)
        if header is None:
            log.warning("%s: webhook POST without %s refused", self.channel, SIGNATURE_HEADER)
            return WebResponse.text(401, "signature required")
        if not signature_valid(self._secret, request.body, header):
            log.warning("%s: webhook POST with a bad signature refused", self.channel)
            return WebResponse.text(403, "bad signature")
        context = self._context
        if context is None:
            return WebResponse.text(503, "not started")
        update = json_object(request.body)
        if update is None:
            # Signed but unreadable: redelivery cannot help, so acknowledge it.
            log.error("%s: signed webhook body is not a JSON object; ignored", self.channel)
            return WebResponse.text(200, "ignored")
        if update.get("object") != self.expected_object:
            log.info("%s: webhook delivery for another object than %r ignored", self.channel,
                     self.expected_object)
            return WebResponse.text(200, "ignored")
        try:
            inbounds, statuses = self._read(update)
        except Exception as exc:  # the handler's boundary: a shape we do not know must not loop
            log.error("%s: could not parse a webhook delivery (%s); acknowledged", self.channel,
                      describe(exc))
            return WebResponse.text(200, "ignored")
        try:
            if self._resolve is not None and inbounds:
                inbounds = await self._resolve(inbounds)
            if inbounds:
                await context.sink(inbounds)
            if context.status is not None:
                for status in statuses:
                    await context.status(status)
        except StoreError as exc:
            log.warning("%s: webhook delivery not recorded, Meta will retry: %s",
                        self.channel, exc)
            return WebResponse.text(503, "retry later")
        return RECORDED


def messages_only(parse: Parse) -> Read:
    """The ``read`` of a platform whose deliveries carry no statuses of our messages."""
    def read(update: Mapping[str, Any]) -> tuple[list[Inbound], list[DeliveryStatus]]:
        return parse(update), []
    return read
