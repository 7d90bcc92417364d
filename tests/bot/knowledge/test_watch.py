"""A running bot re-indexes edited entries; a broken edit keeps the previous index."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase
from tests.bot.knowledge.conftest import FAQ_YAML, SHIPPING_MD, write


def titles(base: KnowledgeBase) -> list[str]:
    return sorted(entry.title for entry in base.entries())


async def test_an_added_edited_and_removed_entry_is_reindexed_while_running(
        tmp_path: Path) -> None:
    write(tmp_path, "en/shipping-times.md", SHIPPING_MD)
    base = KnowledgeBase.from_paths([tmp_path], locales=["en"])
    watcher = base.start_watching(interval=0.01)
    try:
        assert base.get("en/payment") is None
        faq = write(tmp_path, "en/faq.yaml", FAQ_YAML)
        await watcher.next_poll()
        assert base.search("how can I pay", "en")[0].id == "en/payment"
        write(tmp_path, "en/faq.yaml", FAQ_YAML.replace("Cards and PayPal.", "Cash only."))
        await watcher.next_poll()
        passage = base.get("en/payment")
        assert passage is not None and passage.answer == "Cash only."
        faq.unlink()
        await watcher.next_poll()
        assert titles(base) == ["Shipping times"]
    finally:
        await base.stop_watching()


async def test_a_broken_edit_keeps_the_previous_index_and_logs_the_problem(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shipping = write(tmp_path, "en/shipping-times.md", SHIPPING_MD)
    base = KnowledgeBase.from_paths([tmp_path], locales=["en"])
    watcher = base.start_watching(interval=0.01)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.knowledge.watch"):
            shipping.write_text(SHIPPING_MD.replace("questions:", "question:"),
                                encoding="utf-8")
            await watcher.next_poll()
        assert base.search("how long does shipping take", "en")[0].id == "en/shipping-times"
        assert watcher.last_error is not None
        assert f"{shipping}: 'question' is not a key of an entry" in caplog.text
        assert "the previous one still answers" in caplog.text
        shipping.write_text(SHIPPING_MD.replace("Shipping times", "Delivery times"),
                            encoding="utf-8")
        await watcher.next_poll()
        assert titles(base) == ["Delivery times"]
        assert watcher.last_error is None
    finally:
        await base.stop_watching()
