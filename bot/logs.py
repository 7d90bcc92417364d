"""Logging set-up: readable lines by default, JSON lines when configured.

Personal data and secrets are masked in every record (phone numbers in international and
national form, e-mail addresses, bearer, Telegram, Meta and visitor tokens, link codes in
any case, with or without the dash) as a last line of defence; the code also avoids
logging them in the first place, and parse errors are logged by ``describe``, which never
quotes the input.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

# The link code alphabet (bot/linking/codes.py: no 0, O, 1, I, L), in either case.
_CODE = "[A-HJKMNP-Za-hjkmnp-z2-9]"

# The personal data patterns, shared with what is sent to a remote model
# (bot/understanding/masking.py).
# E-mail addresses, internationalised ones too ("josé@correo.es", "用户@例子.中国"),
# with parts bounded as RFC 5321 bounds them (an unbounded run before "@" is
# quadratic on a long line without one).
EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}"
                   r"\.[^\W\d_]{2,63}")
# International numbers ("+34 600 111 222") and bare sender ids such as WhatsApp's
# "34600111222"; dates, times and addresses ("2026-11-22", "127.0.0.1:8080") stay.
INTERNATIONAL_PHONE = re.compile(r"\+\d[\d\s().-]{6,}\d|\b\d{9,15}\b")
# National numbers: groups of digits split by single spaces, dashes, dots or a
# bracketed prefix ("600 111 222", "(555) 123-4567", "06 12 34 56 78"), 9 to 15 digits
# in all (is_national_phone). The edges leave what sits inside times, versions and
# addresses ("16:52", "127.0.0.1").
NATIONAL_PHONE = re.compile(
    r"(?<![\w.:/+-])\(?\d{2,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}(?![\w:/-]|\.\d)")

# (pattern, replacement, texts one of which must be in the lowercased line for the
# pattern to have anything to find: most lines skip most patterns for the price of an
# ``in``; none: always tried.)
_MASKS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str], tuple[str, ...]]] = [
    (re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"), "<telegram-token>", (":",)),
    # Meta (Graph API) access tokens: "EAA" and a long run of letters and digits.
    (re.compile(r"\bEAA[A-Za-z0-9]{20,}"), "<meta-token>", ("eaa",)),
    # Web chat visitor tokens: an id and 32 hex digits of MAC (whoever has one is that
    # visitor).
    (re.compile(r"\b[A-Za-z0-9_-]{8,64}\.[0-9a-f]{32}\b"), "<visitor-token>", (".",)),
    (re.compile(r"(?i)\b(bearer|access_token=|token=)\s*[A-Za-z0-9._~+/=-]{8,}"), r"\1<secret>",
     ("bearer", "token=")),
    (EMAIL, "<email>", ("@",)),
    # Link codes in any form after "?link=", "start=", "ref=", "/start" or "code".
    (re.compile(rf"(?i)\b((?:link|start|ref|code)(?:=|\s+)){_CODE}{{4}}[\s-]?{_CODE}{{4}}\b"),
     r"\1<link-code>", ("link", "start", "ref", "code")),
    # Link codes anywhere: see _code.
    (re.compile(rf"\b{_CODE}{{4}}-?{_CODE}{{4}}\b"), lambda m: _code(m.group(0)), ()),
    (INTERNATIONAL_PHONE, "<phone>", ()),
    (NATIONAL_PHONE, lambda m: "<phone>" if is_national_phone(m.group(0)) else m.group(0), ()),
]


def _code(candidate: str) -> str:
    """A link code as shown ("K7QM-3XPA"), or in any case with or without the dash when it
    has a digit and a letter: words such as "data-base" or "whatsapp" stay."""
    bare = candidate.replace("-", "")
    shown = candidate.isupper() and "-" in candidate
    mixed = not bare.isalpha() and not bare.isdigit()
    return "<link-code>" if shown or mixed else candidate


def is_national_phone(candidate: str) -> bool:
    """Whether a ``NATIONAL_PHONE`` match has the digits of a phone number (9 to 15)."""
    return 9 <= sum(ch.isdigit() for ch in candidate) <= 15


def mask(text: str) -> str:
    lower = text.lower()
    for pattern, replacement, gates in _MASKS:
        if not gates or any(gate in lower for gate in gates):
            text = pattern.sub(replacement, text)
    return text


def describe(exc: BaseException) -> str:
    """An exception as a log line may show it: its type and where it was raised, never
    its message (a parser's message quotes the input it choked on: a phone number, a
    name, a token). A pydantic error adds which fields failed and how, not their values."""
    where = ""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        code = tb.tb_frame.f_code
        where = f" at {code.co_filename.rsplit('/', 2)[-1]}:{tb.tb_lineno} in {code.co_name}"
    fields = ""
    if isinstance(exc, ValidationError):
        fields = ": " + "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(value)'} {error['type']}"
            for error in exc.errors(include_input=False, include_url=False)[:5])
    return f"{type(exc).__name__}{where}{fields}"


class MaskingFormatter(logging.Formatter):
    """Masks what a record carries (its message, traceback and stack), not what the format
    adds around it (time, level, logger name)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = mask(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return mask(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return mask(super().formatStack(stack_info))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask(record.getMessage()),
        }
        for key in ("channel", "customer", "flow", "step", "ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = mask(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "httpx", "aiogram.event"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
