"""Slot values from a model checked against the JSON schemas pydantic gives slot types."""

from __future__ import annotations

import datetime
from typing import Any, Literal

import pytest
from pydantic import BaseModel, TypeAdapter

from bot.understanding.openai_commands import conforms


class Address(BaseModel):
    street: str


def schema(annotation: Any) -> dict[str, Any]:
    return TypeAdapter(annotation).json_schema()


@pytest.mark.parametrize(("annotation", "good", "bad"), [
    (str, "A1001", 1001),
    (int, 3, "three"),
    (int, 3, True),
    (float, 2, "2.5"),
    (bool, False, 0),
    (datetime.date, "2026-12-02", 20261202),  # the format is pydantic's to check
    (str | None, None, 4),
    (Literal["S", "M", "L"], "M", "XL"),
    (list[int], [1, 2], [1, "2"]),
], ids=lambda value: repr(value)[:20])
def test_values_of_the_wrong_json_type_do_not_conform(annotation: Any, good: object,
                                                      bad: object) -> None:
    assert conforms(good, schema(annotation))
    assert not conforms(bad, schema(annotation))


def test_schemas_by_reference_and_empty_ones_are_left_to_pydantic() -> None:
    assert conforms({"street": 1}, schema(list[Address])["items"])
    assert conforms("anything", {})
