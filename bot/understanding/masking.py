"""Hiding phone numbers and e-mail addresses from a remote model, and putting them back.

What a customer writes may reach a model run by someone else (OpenAI, Azure, a proxy);
the model needs to know *that* an e-mail was given, rarely *which* one. So before a
request leaves, each distinct e-mail or phone number becomes a numbered placeholder
(``<email_1>``, ``<phone_1>``: the same value always the same placeholder within one
request, so the model can tell two numbers apart), and the slot values the model answers
with get the real values back. The patterns are those the logs mask with (bot/logs.py),
so what a log would hide a model never sees either. A flow that needs the real values in
the model's hands says so with ``allows_pii`` (FlowSpec).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.logs import EMAIL, INTERNATIONAL_PHONE, NATIONAL_PHONE, is_national_phone

_PLACEHOLDER = re.compile(r"<(?:email|phone)_\d+>")


class PiiMask:
    """The placeholders of one request: ``mask`` the texts sent, ``restore`` what comes
    back. A mask that is not ``active`` (the flow allows personal data) passes text as is."""

    def __init__(self, *, active: bool = True) -> None:
        self.active = active
        self._by_value: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}

    @property
    def masked(self) -> int:
        """How many distinct values were hidden."""
        return len(self._by_value)

    def mask(self, text: str) -> str:
        if not self.active:
            return text
        if "@" in text:
            text = EMAIL.sub(lambda m: self._placeholder("email", m.group(0)), text)
        text = INTERNATIONAL_PHONE.sub(lambda m: self._placeholder("phone", m.group(0)), text)
        return NATIONAL_PHONE.sub(
            lambda m: self._placeholder("phone", m.group(0))
            if is_national_phone(m.group(0)) else m.group(0), text)

    def restore(self, value: Any) -> Any:
        """``value`` (a string, or lists and objects of them, as a model's JSON arguments
        are) with every placeholder of this request replaced by what it hid. A placeholder
        the request never made stays as the model wrote it."""
        if not self._by_placeholder:
            return value
        if isinstance(value, str):
            return _PLACEHOLDER.sub(lambda m: self._by_placeholder.get(m.group(0), m.group(0)),
                                    value)
        if isinstance(value, list):
            return [self.restore(item) for item in value]
        if isinstance(value, Mapping):
            return {key: self.restore(item) for key, item in value.items()}
        return value

    def _placeholder(self, kind: str, value: str) -> str:
        found = self._by_value.get(value)
        if found is None:
            found = f"<{kind}_{sum(p.startswith(f'<{kind}_') for p in self._by_placeholder) + 1}>"
            self._by_value[value] = found
            self._by_placeholder[found] = value
        return found
