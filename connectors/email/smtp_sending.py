"""Handing one mail to the shop's SMTP server (aiosmtplib), and the one place where SMTP
failures become ``bot.errors``: the dispatcher retries transient ones, marks the identity
unreachable on a refused recipient, and records the rest as not delivered."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib

from bot.errors import (
    AuthenticationFailed,
    ConnectorError,
    PlatformError,
    TransientError,
    Unreachable,
)
from connectors.email.settings import SmtpSettings


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's trusted CAs, plus ``tls_ca_file`` for a server with a private CA."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class SmtpSender:
    def __init__(self, *, channel: str, settings: SmtpSettings,
                 context: ssl.SSLContext) -> None:
        self.channel = channel
        self.settings = settings
        self.context = context

    async def send(self, mail: EmailMessage) -> None:
        cfg = self.settings
        try:
            await aiosmtplib.send(
                mail, hostname=cfg.host, port=cfg.port, timeout=cfg.timeout_seconds,
                use_tls=cfg.security == "tls", start_tls=cfg.security == "starttls",
                username=cfg.username,
                password=cfg.password.get_secret_value() if cfg.password else None,
                tls_context=self.context if cfg.security != "none" else None)
        except aiosmtplib.SMTPException as exc:
            raise self._mapped(exc) from exc
        except (OSError, ssl.SSLError) as exc:
            raise TransientError(self.channel, f"SMTP server {cfg.host}:{cfg.port} "
                                 f"unreachable: {type(exc).__name__}") from exc

    def _mapped(self, exc: aiosmtplib.SMTPException) -> ConnectorError:
        where = f"connectors.{self.channel}.smtp"
        if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            return AuthenticationFailed(self.channel, f"the SMTP server refused the login "
                                        f"({exc.code}); fix {where}.username and password")
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            codes = [e.code for e in exc.recipients]
            if codes and all(500 <= c < 600 for c in codes):
                return Unreachable(self.channel, f"the SMTP server refused the address "
                                   f"({codes[0]})")
            return TransientError(self.channel, f"recipient deferred ({codes})")
        if isinstance(exc, aiosmtplib.SMTPNotSupported):
            return PlatformError(self.channel, "tls", f"{exc}; set {where}.security to what "
                                 "the server offers (starttls, tls or none)")
        if isinstance(exc, aiosmtplib.SMTPResponseException):
            if 400 <= exc.code < 500:
                return TransientError(self.channel, f"SMTP {exc.code}: {exc.message}")
            return PlatformError(self.channel, exc.code, exc.message)
        return TransientError(self.channel, f"SMTP failed: {type(exc).__name__}: {exc}")
