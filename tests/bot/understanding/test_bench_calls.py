"""``python -m bench.understanding --calls``: the function calls per message of a
sentence and of its trigger match, a count that the machine's load does not change."""

from __future__ import annotations

from bench.understanding import calls_per_message


async def test_the_calls_per_message_are_counted_the_same_on_every_run() -> None:
    first, second = await calls_per_message(), await calls_per_message()
    assert first == second
    assert first["sentence_python_calls"] > first["trigger_python_calls"] > 0
    assert first["sentence_calls"] > first["sentence_python_calls"]
