"""The e-mail channel: customers write to the shop's address, and the bot answers by mail
in the same thread.

Identities are (``email``, the shop's address, the customer's address). An address in
``From`` is not proof of who wrote (it can be forged), so it is never a vouched attribute:
the channel links to other channels only by link code, like every channel. Mail comes in by
IMAP IDLE or by an SMTP listener of our own; replies go out through the shop's SMTP server.
Auto-replies and bounces never start a turn; a hard bounce for a mail we sent marks the
identity unreachable, and mail to it stops until the customer writes from it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import socket
import time
from email.headerregistry import Address
from urllib.parse import quote

from bot.channels import (
    BaseConnector,
    Capabilities,
    ConnectorContext,
    ConnectorState,
    DeliveryStatus,
    SendContext,
    SendReceipt,
)
from bot.errors import BotError, PlatformError, Unreachable
from bot.linking.codes import display
from bot.messages import Attachment, Identity, Inbound, Outbound, SenderHint, text_of
from connectors.email.parsing import Mail, MalformedMail, read_mail
from connectors.email.rendering import MessageIds, Thread, build_mail
from connectors.email.settings import EmailSettings
from connectors.email.smtp_sending import SmtpSender, tls_context

log = logging.getLogger(__name__)

THREAD_TTL = 90 * 24 * 3600
BOUNCE_TTL = 180 * 24 * 3600
READER_LEASE = 10.0


class EmailConnector(BaseConnector):
    """One shop mailbox (``account`` is its address)."""

    # Mail has no buttons: the core sends choices as a numbered list, and "2" answers.
    capabilities = Capabilities(max_text_length=20_000, max_buttons=0)
    settings_model = EmailSettings

    def __init__(self, *, channel: str = "email", settings: EmailSettings) -> None:
        super().__init__(channel=channel, account=settings.address)
        self.settings = settings
        context = tls_context(settings.tls_ca_file)
        self._tls = context
        self._smtp = SmtpSender(channel=channel, settings=settings.smtp, context=context)
        self._context: ConnectorContext | None = None
        self._ids: MessageIds | None = None
        self._stopping = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._listener: object | None = None
        self._holder = f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self, context: ConnectorContext) -> None:
        self._context = context
        self._stopping.clear()
        secret = await context.state.put_if_absent("message-id-secret", secrets.token_hex(32))
        self._ids = MessageIds(secret=secret, domain=self.settings.address.partition("@")[2])
        if not context.receive:
            return  # a worker process: send only
        if self.settings.inbound == "smtp":
            from connectors.email.smtp_listener import SmtpListener

            listener = SmtpListener(settings=self.settings.listener,
                                    address=self.settings.address, receive=self.receive_mail,
                                    max_bytes=self.settings.max_message_bytes)
            await listener.start()
            self._listener = listener
        else:
            from connectors.email.imap_receiving import ImapReceiver

            assert self.settings.imap is not None  # the settings' validator sees to it
            receiver = ImapReceiver(channel=self.channel, settings=self.settings.imap,
                                    receive=self.receive_mail,
                                    max_bytes=self.settings.max_message_bytes,
                                    context=self._tls, may_read=self._may_read)
            self._listener = receiver
            self._reader = asyncio.create_task(receiver.run(self._stopping),
                                               name=f"imap:{self.channel}")

    async def close(self) -> None:
        self._stopping.set()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        from connectors.email.smtp_listener import SmtpListener

        if isinstance(self._listener, SmtpListener):
            await self._listener.close()
        self._listener = None

    @property
    def listener_port(self) -> int | None:
        """The SMTP listener's port (``inbound: smtp``), e.g. when configured as 0."""
        from connectors.email.smtp_listener import SmtpListener

        return self._listener.port if isinstance(self._listener, SmtpListener) else None

    async def _may_read(self) -> bool:
        """One process reads the mailbox at a time; another takes over when it dies."""
        return await self._state().hold("reader", self._holder, ttl_seconds=READER_LEASE)

    def continue_link(self, code: str) -> str | None:
        """A ``mailto:`` link whose mail carries the link code as subject and body."""
        shown = display(code)
        return f"mailto:{self.settings.address}?subject={quote(shown)}&body={quote(shown)}"

    # -- sending ----------------------------------------------------------------------------

    async def send(self, to: Identity, message: Outbound, *, key: str,
                   context: SendContext) -> SendReceipt:
        text = text_of(message)
        if not text:
            return SendReceipt()  # nothing a mail could show (a typing notice)
        state = self._state()
        bounced = await state.get(f"bounced:{to.user_id}")
        if bounced:
            raise Unreachable(self.channel, f"the address bounced ({bounced}); mail resumes "
                              "when the customer writes from it again")
        stored = await state.get(f"thread:{to.user_id}")
        thread = Thread.loads(stored) if stored else None
        message_id = self._message_ids().make(key, to.user_id)
        try:
            mail = build_mail(sender=self._sender_address(), to=to.user_id, text=text,
                              message_id=message_id, thread=thread,
                              default_subject=self.settings.subject,
                              automatic=context.origin != "operator")
        except (ValueError, TypeError) as exc:  # an address no mail header can hold
            raise PlatformError(self.channel, "address", f"cannot write to this address: "
                                f"{type(exc).__name__}") from exc
        await self._smtp.send(mail)
        return SendReceipt(platform_message_id=message_id)

    def _sender_address(self) -> Address:
        user, _, domain = self.settings.address.partition("@")
        return Address(display_name=self.settings.display_name or "", username=user,
                       domain=domain)

    # -- receiving --------------------------------------------------------------------------

    async def receive_mail(self, raw: bytes) -> None:
        """Record one received mail; raises ``StoreError`` when it could not be recorded
        (the caller leaves it for later). Unreadable mail is logged and skipped."""
        try:
            mail = read_mail(raw, max_text_chars=self.settings.max_text_chars)
        except MalformedMail as exc:
            log.warning("skipped an unreadable mail (%d bytes): %s", len(raw), exc)
            return
        if mail.bounces:
            await self._bounced(mail)
            return
        if mail.automatic is not None:
            log.info("ignored an automatic mail (%s) from %s", mail.automatic,
                     _masked(mail.sender))
            return
        if mail.sender == self.settings.address:
            return  # our own mail come back: answering it would loop
        state = self._state()
        thread = Thread(message_id=mail.message_id, subject=mail.subject,
                        references=mail.references)
        await state.put(f"thread:{mail.sender}", thread.dumps(), ttl_seconds=THREAD_TTL)
        if await state.get(f"bounced:{mail.sender}"):
            await state.put(f"bounced:{mail.sender}", "", ttl_seconds=1)  # it works again
        await self._require_context().sink([self._inbound(mail)])

    def _inbound(self, mail: Mail) -> Inbound:
        attachments = tuple(
            Attachment(kind="image" if kind.startswith("image/") else "file", name=name,
                       mime_type=kind)
            for name, kind in mail.attachments)
        return Inbound(
            identity=Identity(channel=self.channel, account=self.account, user_id=mail.sender),
            message_id=mail.message_id, text=mail.text or None, attachments=attachments,
            # Only a display name: the address proves nothing, so nothing is vouched.
            sender=SenderHint(name=mail.sender_name))

    async def _bounced(self, mail: Mail) -> None:
        ids, context = self._message_ids(), self._require_context()
        for bounce in mail.bounces:
            original = bounce.original_message_id
            if original is None or not ids.ours(original, bounce.recipient):
                log.info("ignored a bounce for a mail we did not send to %s",
                         _masked(bounce.recipient))
                continue
            if bounce.hard:
                await self._state().put(f"bounced:{bounce.recipient}", bounce.status,
                                        ttl_seconds=BOUNCE_TTL)
            if context.status is not None:
                await context.status(DeliveryStatus(
                    identity=Identity(channel=self.channel, account=self.account,
                                      user_id=bounce.recipient),
                    platform_message_id=original,
                    status="failed" if bounce.hard else "delayed", timestamp=time.time(),
                    error=f"bounced with status {bounce.status}", unreachable=bounce.hard))

    # -- helpers ----------------------------------------------------------------------------

    def _require_context(self) -> ConnectorContext:
        if self._context is None:
            raise BotError(f"connector {self.channel} is not started")
        return self._context

    def _state(self) -> ConnectorState:
        return self._require_context().state

    def _message_ids(self) -> MessageIds:
        if self._ids is None:
            raise BotError(f"connector {self.channel} is not started")
        return self._ids


def _masked(address: str) -> str:
    """An address fit for logs: its domain and a short digest, never the person's name."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:8]
    return f"<{digest}@{address.partition('@')[2]}>"
