"""The combined figure of ``python -m bench.understanding`` (what ``--against`` runs in
each tree) builds its 20 flows and 200 knowledge entries and measures both engines."""

from __future__ import annotations

from bench.understanding import combined


async def test_the_combined_figure_has_20_flows_and_200_entries() -> None:
    found = await combined(rounds=1, passes=1)
    assert found["flows"] == 20
    assert found["entries"] == 200
    assert found["sentences"] >= 150
    assert found["without_us"] > 0 and found["with_us"] > 0
    assert len(found["added_rounds"]) == 1
