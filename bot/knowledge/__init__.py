"""The knowledge base: entries in Markdown or YAML files, one folder per locale, searched
by the understanding stage and answered the same on every channel (docs/knowledge.md).

>>> from bot.knowledge import KnowledgeBase
>>> base = KnowledgeBase.from_paths([Path("flows/store_assistant/knowledge")],
...                                 locales=["en", "es"])  # doctest: +SKIP
>>> base.search("¿cuánto tarda el envío?", "es")[0].title  # doctest: +SKIP
'Plazos de envío'
"""

from bot.knowledge.answer import answer_message
from bot.knowledge.base import KnowledgeBase, load_knowledge
from bot.knowledge.entry import Entry
from bot.knowledge.watch import Watcher

__all__ = ["Entry", "KnowledgeBase", "Watcher", "answer_message", "load_knowledge"]
