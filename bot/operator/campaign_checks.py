"""What the console's campaign form is told when a definition or segment is wrong: every
field at fault, by its path in the definition (``segment.profile``, ``channel_order``,
``templates.whatsapp.name``), so the form shows each message next to its field; the
business API answers only the first (``bot/api/app.py: parsed``), which is enough for a
program but not for a person filling a form."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.api.app import body_as
from bot.api.responses import json_response
from bot.web.types import WebRequest, WebResponse

M = TypeVar("M", bound=BaseModel)
_NO_STORE = {"Cache-Control": "no-store"}


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Path → message, the first message per path, in the model's order."""
    found: dict[str, str] = {}
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "body"
        found.setdefault(where, str(error["msg"]).removeprefix("Value error, "))
    return found


def refused(status: int, code: str, message: str,
            fields: dict[str, str] | None = None, **extra: Any) -> WebResponse:
    """The console's error answer: ``error`` (the message, as every console route has
    it), ``code``, and ``fields`` (path → message) for the form."""
    return json_response(status, {"error": message, "message": message, "code": code,
                                  "fields": fields or {}, **extra}, headers=_NO_STORE)


def checked(request: WebRequest, model: type[M]) -> M | WebResponse:
    """The body as ``model``, or a 400 naming every field at fault."""
    found = body_as(request, model)
    if found is None:
        return refused(400, "invalid_json", "the body must be a JSON object")
    if isinstance(found, ValidationError):
        fields = field_errors(found)
        return refused(400, "invalid_request",
                       "; ".join(f"{k}: {v}" for k, v in fields.items()), fields)
    return found
