from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Settings are frozen and refuse unknown keys (a typo is an error, not a default)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
