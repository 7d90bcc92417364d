"""JSON answers of the business API: a value, or a problem ``{"error", "message"}``."""

from __future__ import annotations

import json
from typing import Any

from bot.web.types import WebResponse


def json_response(status: int, body: Any, *,
                  headers: dict[str, str] | None = None) -> WebResponse:
    return WebResponse(status=status, body=json.dumps(body, ensure_ascii=False),
                       content_type="application/json", headers=headers or {})


def problem(status: int, code: str, message: str, *,
            headers: dict[str, str] | None = None) -> WebResponse:
    return json_response(status, {"error": code, "message": message}, headers=headers)
