"""The shape of a conversation test file, validated like config.yaml (key paths, fixes).

```yaml
name: a return, continued on WhatsApp
profiles: [buttons, lists, text]     # run once per channel profile (default: buttons)
locale: en                           # what the customer's app reports (optional)
turns:
  - send: hi                         # or press: a choice's title or payload
    channel: webchat                 # where it comes from (default: webchat)
    expect:
      text: Start a return           # contained in what came back (or a list of them)
      choices: [Browse the catalogue, ...]   # the titles offered, in order
      flow: returns                  # the running flow (null: none)
      step: ask_order
      slots: {order: A1001}          # these slots have these values
      handoff: true                  # a person was asked for (or a text in the reason)
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.channels import Capabilities
from bot.errors import ConfigError

#: The channel profiles a conversation runs under: how replies render, as on a real
#: channel (bot/channels/capabilities.py): buttons as on the web chat, a list of rows
#: with short titles as on WhatsApp, and a numbered list as on SMS or e-mail.
PROFILES = {
    "buttons": Capabilities(max_text_length=4000, max_buttons=12, button_title_length=60,
                            images=True, files=True),
    "lists": Capabilities(max_text_length=4096, max_buttons=10, button_title_length=24,
                          images=True, files=True, request_phone=True),
    "text": Capabilities(max_text_length=16_000, max_buttons=0),
}

_UNSET: Any = object()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Strict):
    """What must come back after a turn; only what is given is checked."""

    text: str | list[str] | None = None
    no_text: str | list[str] | None = None
    choices: list[str] | None = None
    flow: str | None = Field(default=_UNSET)
    step: str | None = None
    slots: dict[str, Any] | None = None
    handoff: bool | str | None = None

    def checks_flow(self) -> bool:
        return self.flow is not _UNSET


class Turn(_Strict):
    """One message from the customer: ``send`` (text) or ``press`` (a choice)."""

    send: str | None = None
    press: str | None = None
    #: The channel it comes from (``on`` would be YAML's true).
    channel: str = "webchat"
    profile: str | None = None
    expect: Expect = Expect()

    @model_validator(mode="after")
    def _one_message(self) -> Turn:
        if (self.send is None) == (self.press is None):
            raise ValueError("give send: (a text) or press: (a choice's title), one of them")
        if self.profile is not None and self.profile not in PROFILES:
            raise ValueError(f"profile {self.profile!r} is not one of {', '.join(PROFILES)}")
        return self


class Conversation(_Strict):
    name: str
    profiles: list[str] = ["buttons"]
    locale: str | None = None
    #: Flow modules to run; default: those of the config file (``config``, else the
    #: nearest config.yaml in this folder or above).
    flows: list[str] | None = None
    config: str | None = None
    turns: list[Turn] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_profiles(self) -> Conversation:
        unknown = [p for p in self.profiles if p not in PROFILES]
        if unknown:
            raise ValueError(f"unknown profiles {unknown}: use {', '.join(PROFILES)}")
        return self


def load_conversation(path: Path) -> Conversation:
    """Read and validate one file; a ``ConfigError`` names the key path of each problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError([f"not valid YAML: {exc}"], source=str(path)) from None
    try:
        return Conversation.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False):
            where = ".".join(str(p) for p in error["loc"]) or "(top level)"
            problems.append(f"{where}: {error['msg']}")
        raise ConfigError(problems, source=str(path)) from None
