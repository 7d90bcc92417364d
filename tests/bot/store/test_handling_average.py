"""The average handling time behind the expected wait a queued customer is told: each
conversation handed back counts, also when several are handed back at the same time
(it was read and then written: concurrent hand-backs kept only the last)."""

from __future__ import annotations

import asyncio

from bot.store.store import Store


def folded(start: float, samples: list[float]) -> float:
    """The same EWMA by hand, rounded as stored (a tenth of a second)."""
    value = start
    for seconds in samples:
        value = float(f"{value * 0.8 + seconds * 0.2:.1f}")
    return value


async def test_hand_backs_at_the_same_time_each_count(store: Store) -> None:
    queue = store.handoff_queue(average_handling_minutes=5)
    assert await queue.average_handling() == 300
    await asyncio.gather(*(queue.record_handling(60) for _ in range(20)))
    assert await queue.average_handling() == folded(300, [60] * 20)  # 62.7; it came out 213.6


async def test_one_hand_back_moves_the_average_a_fifth_of_the_way(store: Store) -> None:
    queue = store.handoff_queue(average_handling_minutes=10)
    await queue.record_handling(120)
    assert await queue.average_handling() == 600 * 0.8 + 120 * 0.2
    assert await queue.expected_wait_minutes(position=2, operators_online=1) == 17
