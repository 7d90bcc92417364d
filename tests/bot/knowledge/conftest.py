"""Knowledge folders written inside each test, and the demo's own base."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase

DEMO = Path(__file__).parents[3] / "flows" / "store_assistant" / "knowledge"

SHIPPING_MD = """---
title: Shipping times
questions:
  - How long does shipping take?
  - When will my order arrive?
tags: [shipping, delivery]
---
Two to three **working days** in Spain. See [our page](https://shop.example/shipping).
"""

FAQ_YAML = """
- id: opening-hours
  title: Opening hours
  questions: [When are you open?, What time do you close?]
  answer: Monday to Saturday, 10:00 to 20:30.
- id: payment
  title: Payment methods
  questions: [How can I pay?]
  tags: [card, paypal]
  answer: Cards and PayPal.
"""


@pytest.fixture(scope="session")
def demo() -> KnowledgeBase:
    return KnowledgeBase.from_paths([DEMO], locales=["en", "es"])


def write(root: Path, relative: str, text: str) -> Path:
    file = root / relative
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file
