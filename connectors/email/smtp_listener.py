"""Receiving mail as an SMTP server of our own (aiosmtpd), for setups whose mail server
routes the shop's address to us (``inbound: smtp``).

The server answers 250 only after the mail is durably recorded and 451 (try again later)
when the store is down, so the sending server keeps it and delivers again; a mail over
``max_message_bytes`` is refused with 552 by aiosmtpd before it is read to the end, and
only the shop's own address is accepted as a recipient (we relay nothing).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.errors import StoreError
from connectors.email.settings import ListenerSettings

log = logging.getLogger(__name__)

#: Records one raw mail (raises ``StoreError`` when it could not be recorded).
Receive = Callable[[bytes], Awaitable[None]]


class _Handler:
    def __init__(self, *, address: str, receive: Receive) -> None:
        self.address = address
        self.receive = receive

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address.lower() != self.address:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,
                          envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else content.encode("utf-8", "replace")
        try:
            await self.receive(raw)
        except StoreError as exc:
            log.warning("mail not recorded, the sender will deliver it again: %s", exc)
            return "451 4.3.0 temporarily unable to record the message, try again later"
        return "250 OK"


class SmtpListener:
    """The listening server; ``port`` 0 picks a free one (see ``port`` after start)."""

    def __init__(self, *, settings: ListenerSettings, address: str, receive: Receive,
                 max_bytes: int) -> None:
        self.settings = settings
        self._handler = _Handler(address=address, receive=receive)
        self.max_bytes = max_bytes
        self._server: asyncio.Server | None = None
        self.port = settings.port

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self._handler, data_size_limit=self.max_bytes, loop=loop,
                         hostname=self.settings.host),
            host=self.settings.host, port=self.settings.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("listening for mail on %s:%d", self.settings.host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
