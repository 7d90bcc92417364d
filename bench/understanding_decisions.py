"""``python -m bench.understanding_decisions > out.json``: every decision the built-in
understanding and the knowledge search make on the combined setup, as JSON, to compare
two trees byte for byte (a speed-up must change none).

Run it once per tree, that tree first on the path (a copy of this file in the other)::

    git archive REV | tar -x -C /tmp/base && cp bench/understanding_decisions.py /tmp/base/bench
    cd /tmp && export PYTHONHASHSEED=0 && M=bench.understanding_decisions
    PYTHONPATH=/tmp/base python -m $M > base.json && PYTHONPATH=~-/ python -m $M > this.json
    cmp base.json this.json

The texts: the eval's utterances, every title, question and tag line of the combined
setup's entries, 200 of them upper-cased and 100 with " I'd" (an apostrophe) added. For
each, in locales none/en/es: the knowledge search's ids and scores (``limit=5``, ``above``
0, 0.3, 0.6, 0.9, with the provider's words where the tree's search takes them), the
provider's ``understand_now`` with the base; and the engine's turn for a new customer
(replies, handoff, steps).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from bench.understanding import LOCALES, combined_setup, engine, utterances
from bot.knowledge import KnowledgeBase
from bot.messages import Identity, Inbound
from bot.model import Profile, Session
from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import Passage, Request
from bot.understanding.specs import flow_specs
from bot.understanding.text import words

FLOORS = (0.0, 0.3, 0.6, 0.9)


def texts_of(knowledge: KnowledgeBase) -> list[str]:
    texts = [u["text"] for u in utterances()]
    for entry in knowledge.entries():
        texts += [entry.title, *entry.questions, " ".join(entry.tags)]
    return texts + [t.upper() for t in texts[:200]] + [t + " I'd" for t in texts[:100]]


def searched(knowledge: KnowledgeBase, text: str, locale: str | None,
             above: float) -> list[Passage]:
    try:
        return knowledge.search(text, locale, limit=5, above=above, said=words(text))
    except TypeError:  # a tree whose search takes no words
        return knowledge.search(text, locale, limit=5, above=above)


async def decisions() -> dict[str, Any]:
    flows, knowledge = combined_setup()
    specs = flow_specs(flows, LOCALES)
    provider = BuiltinProvider(specs, LOCALES)
    texts = texts_of(knowledge)
    search: dict[str, dict[str, Any]] = {}
    for text in texts:
        row: dict[str, Any] = {}
        for locale in (None, *LOCALES):
            row[str(locale)] = [(p.id, p.score) for p in knowledge.search(text, locale, limit=5)]
            for above in FLOORS:
                row[f"{locale}-said-{above}"] = [
                    (p.id, p.score) for p in searched(knowledge, text, locale, above)]
            row[f"{locale}-understood"] = repr(provider.understand_now(
                Request(text=text, locale=locale, locales=LOCALES, flows=specs), knowledge))
        search[text] = row
    with_ = engine(flows, True, knowledge)
    identity = Identity(channel="bench", user_id="u")
    turns: dict[str, list[str]] = {}
    for number, text in enumerate(texts):
        result = await with_.handle(
            customer_id="c", session=Session(), profile=Profile(locale="en"),
            inbound=Inbound(identity=identity, message_id=str(number), text=text))
        turns[text] = [*map(repr, result.replies), repr(result.handoff), repr(result.steps)]
    return {"search": search, "turns": turns}


def main() -> None:
    found = asyncio.run(decisions())
    json.dump(found, sys.stdout, sort_keys=True, indent=0, default=str)
    results = sum(len(row) for row in found["search"].values())
    print(f"{len(found['turns'])} texts, {results} search results", file=sys.stderr)


if __name__ == "__main__":
    main()
