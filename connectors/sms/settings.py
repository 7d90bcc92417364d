"""The ``connectors.sms`` section of config.yaml: a Twilio account and the number (or the
Messaging Service) customers text."""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from bot.channels import ConnectorSettings
from bot.phones import to_e164

#: Twilio's carrier keywords (its default opt-out handling, in English). YES, which
#: Twilio also takes as an opt-in, is left out: it answers questions too ("continue the
#: conversation here?"), and such an answer must never sign anyone up.
OPT_OUT = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
OPT_IN = ("START", "UNSTOP")


def _keywords(value: list[str]) -> list[str]:
    words = [" ".join(word.split()).upper() for word in value]
    if any(not word for word in words):
        raise ValueError("a keyword cannot be empty")
    return words


class SmsSettings(ConnectorSettings):
    """A Twilio account and the number (or Messaging Service) customers text."""

    #: The Twilio account ("AC" and 32 hexadecimal digits), from the Console's dashboard.
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    #: The account's Auth Token: Twilio signs webhooks with it, and it authenticates our
    #: API calls unless an API key is given.
    auth_token: SecretStr
    #: An API key ("SK...") and its secret for the API calls, instead of the Auth Token.
    api_key_sid: str | None = Field(default=None, pattern=r"^SK[0-9a-fA-F]{32}$")
    #: The API key's secret (read it from the environment).
    api_key_secret: SecretStr | None = None
    #: The Twilio number customers text, in E.164 (e.g. "+15550001111").
    phone_number: str | None = None
    #: A Messaging Service ("MG...") to send through instead of one number.
    messaging_service_sid: str | None = Field(default=None, pattern=r"^MG[0-9a-fA-F]{32}$")
    #: Twilio's REST API address (a test server can stand in).
    api_base: str = "https://api.twilio.com"
    #: The webhook path; status callbacks arrive at ``<path>/status``.
    path: str = Field(default="/webhooks/sms", pattern=r"^/[A-Za-z0-9/_-]*$")
    #: Ask Twilio for delivery statuses (a StatusCallback to ``server.public_url``).
    status_callbacks: bool = True
    #: A longer text goes as several messages of at most this many segments each.
    max_segments: int = Field(default=10, ge=1, le=24)
    #: Whole-message keywords (any case) that withdraw or give consent.
    opt_out_keywords: list[str] = Field(default_factory=lambda: list(OPT_OUT))
    #: Whole-message keywords that give the ``keyword_consents`` back.
    opt_in_keywords: list[str] = Field(default_factory=lambda: list(OPT_IN))
    #: The consent purposes those keywords decide, on every channel (``bot/consent``);
    #: [] to record none.
    keyword_consents: list[str] = Field(default_factory=lambda: ["marketing"])

    @field_validator("phone_number")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is not None:
            number = to_e164(value) if value.strip().startswith("+") else None
            if number is None:
                raise ValueError(f"{value!r} is not a phone number in E.164 form, such as "
                                 "+15550001111")
            return number
        return value

    @field_validator("opt_out_keywords", "opt_in_keywords")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return _keywords(value)

    @field_validator("api_base")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _sender(self) -> Self:
        if self.phone_number is None and self.messaging_service_sid is None:
            raise ValueError("give phone_number (the Twilio number customers text, e.g. "
                             "+15550001111) or messaging_service_sid (MG...)")
        if (self.api_key_sid is None) != (self.api_key_secret is None):
            raise ValueError("api_key_sid and api_key_secret go together: give both, or "
                             "neither to use the auth_token")
        if set(self.opt_out_keywords) & set(self.opt_in_keywords):
            raise ValueError("a keyword cannot both withdraw and give consent: "
                             f"{sorted(set(self.opt_out_keywords) & set(self.opt_in_keywords))}")
        return self

    @property
    def account(self) -> str:
        """Our side of every identity: the Messaging Service, else the number."""
        return self.messaging_service_sid or self.phone_number or ""
