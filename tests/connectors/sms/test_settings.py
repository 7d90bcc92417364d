"""The sms section of config.yaml: secrets from the environment, and errors that name the
key and say how to fix it (what ``omnicanal check`` prints)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import parse_settings
from bot.errors import ConfigError
from tests.fakes.twilio_api import ACCOUNT_SID, NUMBER


def config(**sms: Any) -> dict[str, Any]:
    section = {"account_sid": ACCOUNT_SID, "auth_token": "${TWILIO_AUTH_TOKEN}",
               "phone_number": NUMBER, **sms}
    return {"store": {"url": "redis://127.0.0.1:1/0"},
            "flows": {"modules": ["tests.flows_for_tests"]},
            "connectors": {"webchat": {"enabled": False},
                           "sms": {k: v for k, v in section.items() if v is not None}}}


def test_secrets_come_from_the_environment() -> None:
    settings = parse_settings(config(phone_number="+1 (555) 000-1111"),
                              env={"TWILIO_AUTH_TOKEN": "s3cret"})
    sms = settings.connectors["sms"]
    assert sms.auth_token.get_secret_value() == "s3cret"  # type: ignore[attr-defined]
    assert sms.phone_number == NUMBER  # type: ignore[attr-defined]
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(("sms", "env", "expected"), [
    ({}, {}, "connectors.sms.auth_token"),  # ${TWILIO_AUTH_TOKEN} is not set
    ({"auth_token": None}, {}, "connectors.sms.auth_token"),
    ({"account_sid": "AC123"}, {"TWILIO_AUTH_TOKEN": "t"}, "connectors.sms.account_sid"),
    ({"phone_number": "555-0001"}, {"TWILIO_AUTH_TOKEN": "t"}, "connectors.sms.phone_number"),
    ({"phone_number": None}, {"TWILIO_AUTH_TOKEN": "t"}, "messaging_service_sid"),
    ({"api_key_sid": "SK" + "1" * 32}, {"TWILIO_AUTH_TOKEN": "t"}, "api_key_secret"),
    ({"max_segments": 0}, {"TWILIO_AUTH_TOKEN": "t"}, "connectors.sms.max_segments"),
    ({"opt_in_keywords": ["STOP"]}, {"TWILIO_AUTH_TOKEN": "t"}, "both withdraw and give"),
    ({"auth_tokn": "x"}, {"TWILIO_AUTH_TOKEN": "t"}, "connectors.sms.auth_tokn"),
])
def test_a_bad_section_names_its_key(sms: dict[str, Any], env: dict[str, str],
                                     expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(config(**sms), env=env)
    assert expected in str(error.value)


def test_without_the_sms_extra_check_says_which_to_install(tmp_path: Path) -> None:
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"""
store: {{url: "redis://127.0.0.1:1/0"}}
flows: {{modules: [tests.flows_for_tests]}}
connectors:
  webchat: {{enabled: false}}
  sms: {{account_sid: {ACCOUNT_SID}, auth_token: t, phone_number: "{NUMBER}"}}
""")
    # None in sys.modules makes ``import twilio`` fail, as without the extra installed.
    script = ("import sys; sys.modules['twilio'] = None; from bot.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", script, "check", "-c", str(config_file)],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parents[3])
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    problems = [line for line in done.stderr.splitlines() if line.startswith("  - ")]
    assert problems == ["  - connectors.sms: needs the 'twilio' package, which is not "
                        "installed. Install it with: pip install 'omnicanal[sms]'"]
