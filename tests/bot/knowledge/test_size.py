"""A base of 2,000 entries loads within the start-up budget and still answers."""

from __future__ import annotations

import time
from pathlib import Path

from bench.knowledge import write_entries
from bot.knowledge import KnowledgeBase


def test_two_thousand_entries_load_in_under_two_seconds_of_cpu(tmp_path: Path) -> None:
    write_entries(tmp_path, 2000)
    started = time.process_time()  # CPU: wall time doubles when the machine is shared
    base = KnowledgeBase.from_paths([tmp_path], locales=["en", "es"])
    assert time.process_time() - started < 2.0
    assert len(base) == 2000
    entry = base.entries()[1234]
    found = base.search(entry.questions[0], entry.locale)
    assert found[0].id == entry.key and found[0].score == 1.0
