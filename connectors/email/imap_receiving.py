"""Reading the shop's mailbox with IMAP IDLE (aioimaplib).

A mail is flagged \\Seen only after it was durably recorded, so a crash or a store outage
means it is read again (and deduplicated by its Message-ID). A mail over the size limit is
read in part: its headers and the first ``max_bytes`` of its body, so the customer's text
before a large attachment still arrives and the attachment is cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import Awaitable, Callable

import aioimaplib

from bot.errors import StoreError
from connectors.email.settings import ImapSettings

log = logging.getLogger(__name__)

Receive = Callable[[bytes], Awaitable[None]]
#: Whether this process may read the mailbox now (one reader across processes).
MayRead = Callable[[], Awaitable[bool]]

#: How often a reader waiting in IDLE renews its lease (and notices it should stop).
RENEW_SECONDS = 3.0
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The IMAP server refused a command (logged by the loop, which reconnects)."""


class ImapReceiver:
    def __init__(self, *, channel: str, settings: ImapSettings, receive: Receive,
                 max_bytes: int, context: ssl.SSLContext, may_read: MayRead) -> None:
        self.channel = channel
        self.settings = settings
        self.receive = receive
        self.max_bytes = max_bytes
        self.context = context
        self.may_read = may_read
        #: Set after each pass over the mailbox (tests wait on it).
        self.passes = 0

    async def run(self, stopping: asyncio.Event) -> None:
        """Read until ``stopping``; reconnect with backoff on any failure."""
        backoff = 1.0
        while not stopping.is_set():
            try:
                if not await self.may_read():
                    await _pause(stopping, 2.0)
                    continue
                await self._session(stopping)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the loop's boundary: log, back off, reconnect
                log.warning("mailbox %s@%s: %s: %s; reconnecting in %.0fs",
                            self.settings.folder, self.settings.host, type(exc).__name__,
                            exc, backoff)
                await _pause(stopping, backoff)
                backoff = min(backoff * 2, 60.0)

    async def _session(self, stopping: asyncio.Event) -> None:
        cfg = self.settings
        client: aioimaplib.IMAP4
        if cfg.security == "tls":
            client = aioimaplib.IMAP4_SSL(host=cfg.host, port=cfg.port,
                                          timeout=cfg.timeout_seconds, ssl_context=self.context)
        else:
            client = aioimaplib.IMAP4(host=cfg.host, port=cfg.port, timeout=cfg.timeout_seconds)
        await client.wait_hello_from_server()
        try:
            _ok(await client.login(cfg.username, cfg.password.get_secret_value()),
                f"login refused: check connectors.{self.channel}.imap.username and password")
            _ok(await client.select(cfg.folder), f"cannot open folder {cfg.folder!r}")
            while not stopping.is_set() and await self.may_read():
                await self.read_unseen(client)
                self.passes += 1
                await self._idle(client, stopping)
        finally:
            try:
                await asyncio.wait_for(client.logout(), 5)
            except Exception as exc:  # the connection may be gone already
                log.debug("IMAP logout: %s", exc)

    async def read_unseen(self, client: aioimaplib.IMAP4) -> None:
        found = await client.uid_search("UNSEEN")
        _ok(found, "SEARCH failed")
        uids = [u for line in found.lines[:1] for u in line.decode().split() if u.isdigit()]
        for uid in uids:
            raw = await self._fetch(client, uid)
            if raw is None:
                continue
            try:
                await self.receive(raw)
            except StoreError as exc:
                log.warning("mail %s not recorded, will read it again: %s", uid, exc)
                return
            _ok(await client.uid("store", uid, "+FLAGS.SILENT", r"(\Seen)"), "STORE failed")

    async def _fetch(self, client: aioimaplib.IMAP4, uid: str) -> bytes | None:
        sized = await client.uid("fetch", uid, "(RFC822.SIZE)")
        _ok(sized, "FETCH failed")
        match = next((m for m in map(_SIZE.search, sized.lines) if m), None)
        if match is None:
            return None  # expunged meanwhile
        if int(match.group(1)) <= self.max_bytes:
            parts = "(BODY.PEEK[])"
        else:
            log.info("mail %s is %s bytes: reading its first %d", uid, match.group(1),
                     self.max_bytes)
            parts = f"(BODY.PEEK[HEADER] BODY.PEEK[TEXT]<0.{self.max_bytes}>)"
        fetched = await client.uid("fetch", uid, parts)
        _ok(fetched, "FETCH failed")
        literals = [bytes(line) for line in fetched.lines if isinstance(line, bytearray)]
        return b"".join(literals) if literals else None

    async def _idle(self, client: aioimaplib.IMAP4, stopping: asyncio.Event) -> None:
        """Wait in IDLE for the server to say something changed, renewing the reader's
        lease meanwhile; the IDLE is renewed every ``idle_seconds``."""
        idle = await client.idle_start(timeout=self.settings.idle_seconds)
        try:
            while True:
                try:
                    pushed = await client.wait_server_push(timeout=RENEW_SECONDS)
                except TimeoutError:
                    if stopping.is_set() or not await self.may_read():
                        return
                    continue
                if pushed == aioimaplib.STOP_WAIT_SERVER_PUSH or any(
                        b"EXISTS" in line or b"RECENT" in line for line in pushed):
                    return
        finally:
            client.idle_done()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(idle, self.settings.timeout_seconds)


def _ok(response: aioimaplib.Response, problem: str) -> None:
    if response.result != "OK":
        raise ImapError(f"{problem} ({response.result})")


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
