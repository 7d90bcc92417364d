"""Fixtures of the e-mail tests: a test CA, dovecot for the session (a mailbox of its own
per test), the shop's SMTP server per test, and a runtime with the e-mail channel."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import trustme
from redis.asyncio import Redis

from bot.runtime import Runtime
from tests.connectors.email.mails import SHOP
from tests.connectors.email.servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    Dovecot,
    Outgoing,
    remove,
    require_dovecot,
    temp_root,
)

_mailboxes = itertools.count(1)
MAILBOXES = 100


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="session")
def dovecot(ca: trustme.CA) -> Iterator[Dovecot]:
    require_dovecot()
    root = temp_root()
    server = Dovecot(root, ca.issue_cert("127.0.0.1", "localhost"))
    # All mailboxes exist from the start: dovecot may not see a passwd-file line added in
    # the same second as the last one (it checks the file's mtime).
    for number in range(1, MAILBOXES + 1):
        server.add_user(f"shop{number}", f"pw-shop{number}")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        remove(root)


class Mailbox:
    """The shop's mailbox in dovecot, fresh for each test."""

    def __init__(self, dovecot: Dovecot) -> None:
        self.dovecot = dovecot
        number = next(_mailboxes)
        assert number <= MAILBOXES, "raise MAILBOXES"
        self.user = f"shop{number}"
        self.password = f"pw-{self.user}"

    def deliver(self, raw: bytes) -> None:
        self.dovecot.deliver(self.user, self.password, raw)

    def flags(self) -> list[bytes]:
        return self.dovecot.flags(self.user, self.password)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    return Mailbox(dovecot)


@pytest.fixture
async def outgoing(ca: trustme.CA) -> AsyncIterator[Outgoing]:
    server = Outgoing(ca.issue_cert("127.0.0.1"))
    await server.start()
    yield server
    await server.close()


def email_section(outgoing: Outgoing, ca_file: str, **extra: Any) -> dict[str, Any]:
    return {"address": SHOP, "display_name": "The Store", "tls_ca_file": ca_file,
            "smtp": {"host": "127.0.0.1", "port": outgoing.port, "security": "starttls",
                     "username": SMTP_USER, "password": SMTP_PASSWORD}, **extra}


def imap_section(mailbox: Mailbox, *, tls: bool = True) -> dict[str, Any]:
    dovecot = mailbox.dovecot
    return {"host": "127.0.0.1", "port": dovecot.tls_port if tls else dovecot.port,
            "security": "tls" if tls else "none", "username": mailbox.user,
            "password": mailbox.password, "idle_seconds": 60}


@pytest.fixture
async def imap_runtime(make_settings: Any, redis: Redis, outgoing: Outgoing, ca_file: str,
                       mailbox: Mailbox) -> AsyncIterator[Runtime]:
    section = email_section(outgoing, ca_file, imap=imap_section(mailbox))
    async with Runtime(make_settings(connectors={"webchat": {"enabled": True},
                                                 "email": section})) as runtime:
        yield runtime


@pytest.fixture
async def listener_runtime(make_settings: Any, redis: Redis, outgoing: Outgoing,
                           ca_file: str) -> AsyncIterator[Runtime]:
    section = email_section(outgoing, ca_file, inbound="smtp",
                            listener={"host": "127.0.0.1", "port": 0},
                            max_message_bytes=200_000)
    async with Runtime(make_settings(connectors={"webchat": {"enabled": False},
                                                 "email": section})) as runtime:
        yield runtime
