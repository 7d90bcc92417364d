"""Real mail servers on 127.0.0.1 for the e-mail tests: Debian's dovecot as the shop's IMAP
mailbox (installed by `make test`: scripts/ensure_dovecot.py), and an aiosmtpd server that
plays the shop's outgoing SMTP server (STARTTLS and a login) and keeps what it is sent."""

from __future__ import annotations

import asyncio
import email
import email.policy
import imaplib
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from bot.store.embedded import free_port

DOVECOT = "/usr/sbin/dovecot"
SMTP_USER, SMTP_PASSWORD = "bot@example.com", "smtp-secret"


def require_dovecot() -> None:
    """Skip without dovecot, unless CI (or OMNICANAL_REQUIRE_DOVECOT) demands it."""
    if os.path.exists(DOVECOT):
        return
    if os.environ.get("OMNICANAL_REQUIRE_DOVECOT") or os.environ.get("CI"):
        raise RuntimeError(f"{DOVECOT} is required for the IMAP tests "
                           "(python scripts/ensure_dovecot.py, or apt install dovecot-imapd)")
    pytest.skip("Debian's dovecot-imapd is not installed (scripts/ensure_dovecot.py)")


class Dovecot:
    """A dovecot of our own: config, passwd-file users and Maildirs in a temp folder.

    As root, dovecot's login processes must run as an unprivileged user (Debian's
    ``dovenull``) and mail as a non-root uid (``nobody``), so the folder is made
    traversable and the homes belong to that uid; as another user everything runs as it.
    """

    def __init__(self, root: Path, cert: trustme.LeafCert) -> None:
        self.root = root
        self.port, self.tls_port = free_port(), free_port()
        self.users = root / "users"
        self.users.write_text("")
        root.chmod(0o755)
        (root / "home").mkdir()
        (root / "cert.pem").write_bytes(b"".join(b.bytes() for b in cert.cert_chain_pems))
        cert.private_key_pem.write_to_path(str(root / "key.pem"))
        if os.geteuid() == 0:
            mail = pwd.getpwnam("nobody")
            os.chown(root / "home", mail.pw_uid, mail.pw_gid)
            accounts = ("dovecot", "dovecot", "dovenull", mail.pw_uid, mail.pw_gid)
        else:
            me = pwd.getpwuid(os.getuid())
            accounts = (me.pw_name, me.pw_name, me.pw_name, me.pw_uid, me.pw_gid)
        internal, group, login, uid, gid = accounts
        (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = {self.tls_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                imaplib.IMAP4("127.0.0.1", self.port).logout()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else "(no log)"

    def add_user(self, name: str, password: str) -> None:
        with self.users.open("a") as users:
            users.write(f"{name}:{{PLAIN}}{password}\n")

    def deliver(self, user: str, password: str, raw: bytes) -> None:
        """Put a mail in the user's INBOX, as the shop's mail server would (IMAP APPEND)."""
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login(user, password)
            status, _ = client.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK", status
        finally:
            client.logout()

    def flags(self, user: str, password: str) -> list[bytes]:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login(user, password)
            client.select("INBOX")
            _, data = client.fetch("1:*", "(FLAGS)")
            return [line for line in data if isinstance(line, bytes)]
        finally:
            client.logout()


class Outgoing:
    """The shop's SMTP server: STARTTLS, a login, and every mail it was handed."""

    def __init__(self, cert: trustme.LeafCert) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self.context)
        self.mails: list[EmailMessage] = []
        self.envelopes: list[tuple[str | None, list[str]]] = []
        self._arrived = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self.port = 0
        #: Answer RCPT with this instead of accepting (e.g. "550 5.1.1 no such user").
        self.refuse_rcpt: str | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, tls_context=self.context, require_starttls=True,
                         auth_required=True, authenticator=self._authenticate, loop=loop),
            host="127.0.0.1", port=0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                      mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER
              and auth_data.password.decode() == SMTP_PASSWORD)
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        mail = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        async with self._arrived:
            self.mails.append(mail)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 15) -> list[EmailMessage]:
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.mails) >= count),
                                   timeout)
        return self.mails[:count]


def temp_root() -> Path:
    """A folder dovecot's unprivileged processes can reach (pytest's tmp_path is 0700)."""
    return Path(tempfile.mkdtemp(prefix="omnicanal-dovecot-"))


def remove(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
