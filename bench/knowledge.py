"""``python -m bench.knowledge``: how long a knowledge base takes to load, and a search.

Writes ``--entries`` synthetic entries (half English, half Spanish; Markdown with front
matter, 6 question variants, 4 tags and a 40-word answer each, over a vocabulary of a few
thousand made-up words) to a temporary folder, then times ``KnowledgeBase.from_paths``
(read, validate, index: what start-up pays) as the median of ``--rounds`` loads, and the
cost of one ``search`` on a base of ``--search-entries`` entries (the demo's questions
with typos and unrelated sentences among them), in microseconds per call.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from bot.knowledge import KnowledgeBase

SYLLABLES = ("ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi",
             "zo", "en", "ar", "is", "ol", "un", "tra", "ple", "cho", "mar", "sol", "rin",
             "del", "ven", "pas", "tor")
QUERIES = ("how long does shipping take", "¿cuánto tarda el envío?", "cuanto trada el envio",
           "what payment methods do you accept", "tell me a joke", "quiero pedir una pizza")


def write_entries(root: Path, count: int, *, seed: int = 16) -> None:
    """``count`` entries under ``root/en`` and ``root/es``, the same every run."""
    rng = random.Random(seed)
    vocabulary = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
                         for _ in range(6000)})
    for number in range(count):
        locale = ("en", "es")[number % 2]

        def words(n: int) -> str:
            return " ".join(rng.choices(vocabulary, k=n))

        questions = "\n".join(f"  - {words(rng.randint(4, 8))}?" for _ in range(6))
        text = (f"---\ntitle: {words(3)}\nquestions:\n{questions}\n"
                f"tags: [{', '.join(rng.choices(vocabulary, k=4))}]\n---\n{words(40)}.\n")
        folder = root / locale
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"entry-{number:05d}.md").write_text(text, encoding="utf-8")


def time_load(root: Path, rounds: int) -> tuple[float, float, int]:
    """The median wall and CPU seconds of a load, and the entries loaded. CPU time is the
    steadier figure on a shared machine: wall time doubles when another process runs."""
    walls, cpus = [], []
    base = None
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        base = KnowledgeBase.from_paths([root], locales=["en", "es"])
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    assert base is not None
    return statistics.median(walls), statistics.median(cpus), len(base)


def time_search(root: Path, calls: int) -> float:
    """Microseconds per ``search`` (the mean over ``QUERIES``, each asked ``calls`` times)."""
    base = KnowledgeBase.from_paths([root], locales=["en", "es"])
    for text in QUERIES:  # warm the stem and typo memories, as a running bot has them
        base.search(text, None)
    started = time.perf_counter()
    for _ in range(calls):
        for text in QUERIES:
            base.search(text, "es" if "¿" in text or "envio" in text else "en")
    return (time.perf_counter() - started) / (calls * len(QUERIES)) * 1e6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.knowledge", description=__doc__)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--search-entries", type=int, default=200)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as big, tempfile.TemporaryDirectory() as small:
        write_entries(Path(big), args.entries)
        wall, cpu, loaded = time_load(Path(big), args.rounds)
        print(f"load {loaded} entries: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
              f"(medians of {args.rounds})")
        write_entries(Path(small), args.search_entries)
        micros = time_search(Path(small), args.calls)
        print(f"search with {args.search_entries} entries: {micros:.1f} µs per call")


if __name__ == "__main__":
    main()
