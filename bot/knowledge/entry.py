"""One knowledge entry: what a Markdown or YAML file declares, validated once at load.

The fields are checked by a strict pydantic model so a typo in a key (``question:`` for
``questions:``) is an error naming the file, not an entry that silently never matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: What an id may look like: it names the entry in logs, transcripts and ``get()``.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"


@dataclass(frozen=True, slots=True)
class Entry:
    """A validated entry of one locale. ``key`` (``"en/shipping-times"``) is unique in the
    whole knowledge base: the same ``id`` in two locales is one entry translated."""

    id: str
    locale: str
    title: str
    questions: tuple[str, ...]
    answer: str
    tags: tuple[str, ...]
    #: The file it came from, as the problems and the operators' transcript name it.
    source: str

    @property
    def key(self) -> str:
        return f"{self.locale}/{self.id}"


class EntryFields(BaseModel):
    """The keys an entry may have, in either format."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    questions: list[str] = Field(min_length=1)
    answer: str = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)

    @field_validator("questions", "tags")
    @classmethod
    def _no_blank_items(cls, values: list[str]) -> list[str]:
        stripped = [value.strip() for value in values]
        if any(not value for value in stripped):
            raise ValueError("has an empty item; remove it or write the text")
        return stripped


def validate_entry(raw: Mapping[str, Any], *, locale: str, source: str,
                   where: str) -> tuple[Entry | None, list[str]]:
    """The entry, or the problems with it (each naming ``source`` and ``where``, e.g.
    ``"entry 2 (returns)"``)."""
    try:
        fields = EntryFields.model_validate(dict(raw))
    except ValidationError as exc:
        return None, [f"{source}: {where}{_explain(error)}"
                      for error in exc.errors(include_input=False, include_url=False)]
    return Entry(id=fields.id, locale=locale, title=fields.title,
                 questions=tuple(fields.questions), answer=fields.answer,
                 tags=tuple(fields.tags), source=source), []


def _explain(error: Any) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(entry)"
    kind = error["type"]
    if kind == "extra_forbidden":
        return (f"'{key}' is not a key of an entry. Allowed: "
                f"{', '.join(EntryFields.model_fields)}")
    if kind == "missing":
        hint = {"questions": ": a list of the ways customers ask it",
                "answer": " (the body of a Markdown file, or answer: in YAML)",
                "title": " (a '# Title' heading, or title:)"}.get(key, "")
        return f"'{key}' is required but missing. Add it{hint}"
    if key == "id" and kind == "string_pattern_mismatch":
        return ("'id' must be letters, digits, '-', '_' or '.', at most 80, starting with a "
                "letter or digit")
    return f"'{key}': {error['msg']}"
