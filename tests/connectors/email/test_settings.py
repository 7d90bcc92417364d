"""The e-mail section of config.yaml: secrets from the environment, errors naming the key."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import parse_settings
from bot.errors import ConfigError
from connectors.email.connector import EmailConnector
from connectors.email.settings import EmailSettings


def _parse(email: dict[str, Any], env: dict[str, str] | None = None) -> Any:
    return parse_settings({"flows": {"modules": ["flows.store_assistant"]},
                           "connectors": {"email": email}}, env=env or {})


SMTP = {"host": "smtp.example.com", "username": "shop", "password": "${SMTP_PASSWORD}"}
IMAP = {"host": "imap.example.com", "username": "shop", "password": "${IMAP_PASSWORD}"}


def test_a_full_section_reads_its_secrets_from_the_environment() -> None:
    settings = _parse({"address": "Shop@Example.com", "smtp": SMTP, "imap": IMAP},
                      env={"SMTP_PASSWORD": "s3cret", "IMAP_PASSWORD": "i3cret"})
    email = settings.connectors["email"]
    assert isinstance(email, EmailSettings) and email.address == "shop@example.com"
    assert email.smtp.password is not None and email.smtp.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(email)
    connector = EmailConnector(settings=email)
    assert connector.account == "shop@example.com"
    assert connector.continue_link("ABCD2345") == (
        "mailto:shop@example.com?subject=ABCD-2345&body=ABCD-2345")


@pytest.mark.parametrize(("section", "key"), [
    ({"address": "shop@example.com", "smtp": SMTP}, "connectors.email"),  # imap missing
    ({"address": "not-an-address", "smtp": SMTP, "imap": IMAP}, "connectors.email.address"),
    ({"address": "shop@example.com", "smtp": {**SMTP, "security": "ssl"}, "imap": IMAP},
     "connectors.email.smtp.security"),
    ({"address": "shop@example.com", "smtp": SMTP, "inbound": "pop3"},
     "connectors.email.inbound"),
    ({"address": "shop@example.com", "smtp": {**SMTP, "pasword": "x"}, "inbound": "smtp"},
     "connectors.email.smtp.pasword"),
])
def test_bad_sections_are_refused_naming_the_key(section: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _parse(section, env={"SMTP_PASSWORD": "x", "IMAP_PASSWORD": "y"})
    assert any(p.startswith(key) for p in refused.value.problems), refused.value.problems
