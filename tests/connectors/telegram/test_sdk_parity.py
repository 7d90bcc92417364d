"""Both SDKs' conversions of the same update parse to the same Inbound."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import telegram
from aiogram.types import Update

from connectors.telegram.updates import parse_update

DATA = Path(__file__).parents[2] / "data" / "telegram"
NAMES = sorted(p.stem for p in DATA.glob("*.json") if p.stem != "malformed")


def parsed(update: dict[str, Any]) -> list[dict[str, Any]]:
    # A button press carries no date: its timestamp is the time of parsing.
    drop = {"timestamp"} if "callback_query" in update else set()
    return [m.model_dump(exclude=drop) for m in parse_update(update, account="123456")]


@pytest.mark.parametrize("name", NAMES)
def test_aiogram_and_ptb_dicts_parse_alike(name: str) -> None:
    raw = json.loads((DATA / f"{name}.json").read_text())
    via_aiogram = Update.model_validate(raw).model_dump(mode="json", exclude_none=True,
                                                        by_alias=True)
    ptb_update = telegram.Update.de_json(raw, None)
    assert ptb_update is not None
    via_ptb = ptb_update.to_dict()
    assert parsed(via_aiogram) == parsed(via_ptb) == parsed(raw)
