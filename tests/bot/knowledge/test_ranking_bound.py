"""The search stops ranking once no later entry can reach the best few: what it answers
is the head of the full ranking, on the demo's base and on one where a common word
("offer", in every synthetic entry) touches nearly every entry."""

from __future__ import annotations

import random
from pathlib import Path

import yaml

from bench.understanding import write_knowledge
from bot.knowledge import KnowledgeBase
from tests.bot.knowledge.conftest import DEMO

EVAL = DEMO.parent / "eval.yaml"


def _texts() -> list[str]:
    said = [u["text"] for u in yaml.safe_load(EVAL.read_text(encoding="utf-8"))["utterances"]]
    rng = random.Random(16)
    said += [f"{rng.choice(said)} {rng.choice(said)}" for _ in range(150)]
    said += [f"{rng.choice(said)}. {rng.choice(said)}? {rng.choice(said)}" for _ in range(80)]
    return [*said, "do you offer gift vouchers online?", "¿tenéis vales regalo?",
            "what is your policy on offers", "offers", "¿cuál es vuestra política?"]


def test_the_best_few_are_the_head_of_the_whole_ranking(tmp_path: Path) -> None:
    write_knowledge(tmp_path, 174)
    for paths in ([DEMO], [DEMO, tmp_path]):
        base = KnowledgeBase.from_paths(paths, locales=["en", "es"])
        for index in base._index.locales.values():
            for text in _texts():
                everything = index.search(text, 10_000)
                for limit in (1, 3, 5):
                    assert index.search(text, limit) == everything[:limit], (text, limit)
