"""Settings of the e-mail connector (``connectors.email`` in config.yaml). No mail library
is imported here, so ``omnicanal check`` stays cheap."""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bot.channels import ConnectorSettings

_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SmtpSettings(_Section):
    """The server replies are handed to (the shop's outgoing mail server)."""

    #: The outgoing server's host name.
    host: str = Field(min_length=1)
    #: 587 for ``starttls``, 465 for ``tls``.
    port: int = Field(default=587, ge=1, le=65535)
    #: ``starttls`` (upgrade a plain connection), ``tls`` (TLS from the first byte), or
    #: ``none`` (plain text: only for a server on this machine).
    security: Literal["starttls", "tls", "none"] = "starttls"
    #: The login, when the server asks for one.
    username: str | None = None
    #: The login's password (read it from the environment).
    password: SecretStr | None = None
    #: Seconds a connection or a command to the server may take.
    timeout_seconds: float = Field(default=30, gt=0, le=600)


class ImapSettings(_Section):
    """The mailbox customers write to, read with IMAP IDLE (``inbound: imap``)."""

    #: The mailbox server's host name.
    host: str = Field(min_length=1)
    #: 993 for ``tls``; 143 for ``none``.
    port: int = Field(default=993, ge=1, le=65535)
    #: ``tls`` (implicit TLS) or ``none`` (plain text: only for a server on this machine).
    security: Literal["tls", "none"] = "tls"
    #: The mailbox's login.
    username: str = Field(min_length=1)
    #: The login's password (read it from the environment).
    password: SecretStr
    #: The folder new mail arrives in.
    folder: str = Field(default="INBOX", min_length=1)
    #: How long one IDLE lasts before it is renewed (servers drop it after 30 minutes).
    idle_seconds: float = Field(default=300, gt=0, le=1740)
    #: Seconds a connection or a command to the server may take.
    timeout_seconds: float = Field(default=30, gt=0, le=600)


class ListenerSettings(_Section):
    """An SMTP server of our own that the shop's mail is routed to (``inbound: smtp``)."""

    #: The address our SMTP server listens on.
    host: str = "127.0.0.1"
    #: The port our SMTP server listens on (0: any free port).
    port: int = Field(default=2525, ge=0, le=65535)


class EmailSettings(ConnectorSettings):
    """One shop mailbox: its address, how replies go out and how mail comes in."""

    #: The shop's address: replies come from it, and the identities' account is it.
    address: str
    #: The name shown with the address ("Shop <shop@example.com>").
    display_name: str | None = None
    #: The subject of a mail that does not answer one of the customer's.
    subject: str = Field(default="Your conversation with us", min_length=1, max_length=200)
    #: How mail comes in: ``imap`` (read the shop's mailbox) or ``smtp`` (our own listener).
    inbound: Literal["imap", "smtp"] = "imap"
    smtp: SmtpSettings
    imap: ImapSettings | None = None
    listener: ListenerSettings = ListenerSettings()
    #: Mails larger than this are cut (IMAP: only the first bytes are read, so the text
    #: before large attachments survives) or refused (the listener answers 552).
    max_message_bytes: int = Field(default=2_000_000, ge=10_000, le=100_000_000)
    #: The longest text handed to the flow; the rest is cut.
    max_text_chars: int = Field(default=8000, ge=100, le=100_000)
    #: A CA bundle (PEM) to trust besides the system's, for servers with a private CA.
    tls_ca_file: str | None = None

    @field_validator("address")
    @classmethod
    def _address_shape(cls, value: str) -> str:
        if not _ADDRESS.fullmatch(value):
            raise ValueError("must be an e-mail address like shop@example.com")
        return value.lower()

    @model_validator(mode="after")
    def _inbound_configured(self) -> Self:
        if self.inbound == "imap" and self.imap is None:
            raise ValueError("inbound is imap but the imap section is missing: add "
                             "imap: {host, username, password} or set inbound: smtp")
        return self
