"""The knowledge base the understanding stage reads: every locale's index behind one
``search``/``get``, swapped whole when the files change.

A reload builds a complete new index off to the side and replaces the old one in a single
assignment, so a search never sees half an index, and a broken edit (a ``KnowledgeError``)
leaves the previous one answering.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from bot.knowledge.entry import Entry
from bot.knowledge.index import LocaleIndex, parts_of
from bot.knowledge.loading import load_entries
from bot.knowledge.watch import Snapshot, Watcher, snapshot
from bot.understanding.contract import Passage

if TYPE_CHECKING:
    from bot.config.settings import Settings

log = logging.getLogger(__name__)

#: What an entry of another locale than the customer's scores, of its own score.
OTHER_LOCALE = 0.9
#: Kept off the score another locale's entries must beat: their scores are multiplied
#: by ``OTHER_LOCALE`` after the search, which may round a hair either way.
SLACK = 1e-9


class Index:
    """All locales' entries, searchable, immutable."""

    def __init__(self, entries: Sequence[Entry], locales: Sequence[str]) -> None:
        self.by_key = {entry.key: entry for entry in entries}
        self.locales = {locale: LocaleIndex(locale, [e for e in entries if e.locale == locale])
                        for locale in locales}

    def __len__(self) -> int:
        return len(self.by_key)


class KnowledgeBase:
    """The ``Knowledge`` of ``bot.understanding.contract``: entries from Markdown and YAML
    files under ``paths``, one subfolder per locale (docs/knowledge.md).

    ``search`` reads the customer's locale's entries (all locales when it is None); a
    passage's ``id`` is ``"<locale>/<entry id>"``, which ``get`` takes back."""

    def __init__(self, entries: Sequence[Entry], *, locales: Sequence[str],
                 paths: Sequence[Path] = (), files: Snapshot = frozenset()) -> None:
        self.paths = tuple(paths)
        self.locale_names = tuple(locales)
        self._index = Index(entries, self.locale_names)
        #: The files as they were just before the index was read (the watcher compares).
        self.files = files
        self._watcher: Watcher | None = None

    @classmethod
    def from_paths(cls, paths: Sequence[Path], *, locales: Sequence[str]) -> KnowledgeBase:
        """Load the folders; ``KnowledgeError`` lists every bad entry."""
        files = snapshot(tuple(paths))  # first: an edit while loading shows as a change
        return cls(load_entries(paths, locales=locales), locales=locales, paths=paths,
                   files=files)

    def __len__(self) -> int:
        return len(self._index)

    def search(self, text: str, locale: str | None, *, limit: int = 3,
               above: float = 0.0, said: Sequence[str] | None = None) -> list[Passage]:
        """The entries that best answer ``text``, best first, scored 0..1 (compare with
        ``understanding.threshold``); only those scoring more than ``above`` (unrounded).
        Every locale is searched, the customer's first: an entry of another locale scores
        ``OTHER_LOCALE`` of what it would, so it wins only when the text is plainly in
        that language (a customer writing Spanish before the bot knows it); the passage's
        ``locale`` says which language it answers in. When the customer's own locale has
        an entry scoring ``OTHER_LOCALE`` or more, the others are not searched (none of
        theirs could come first); else only above what their entries must beat to enter
        (the own ``limit``-th best, on a tie the own entry first). ``said``: the built-in
        provider's words of ``text`` (``bot.understanding.text.words``), when the caller
        has them: read instead of splitting the text again where they are the same words
        (``parts_of``)."""
        index = self._index  # one read: a reload may swap it meanwhile
        own = index.locales.get(locale) if locale is not None else None
        parts = parts_of(text, said)  # the same words for every locale
        found = own.search_parts(parts, limit, above) if own is not None else []
        if not found or found[0][0] < OTHER_LOCALE:  # else no other locale can come first
            factor = 1.0 if own is None else OTHER_LOCALE
            floor = max(above, found[-1][0] if len(found) == limit else 0.0) / factor - SLACK
            others = [(score * factor, entry) for part in index.locales.values()
                      if part is not own for score, entry in part.search_parts(parts, limit, floor)]
            if others:  # (each locale's own are above ``above`` already)
                found.extend(others)
                found.sort(key=itemgetter(0), reverse=True)  # stable: on a tie, own first
                if above > 0.0:
                    found = [hit for hit in found if hit[0] > above]
        return [_passage(entry, score) for score, entry in found[:limit]]

    def get(self, passage_id: str) -> Passage | None:
        entry = self._index.by_key.get(passage_id)
        return _passage(entry, 1.0) if entry is not None else None

    def entries(self) -> list[Entry]:
        return list(self._index.by_key.values())

    def reload(self) -> None:
        """Read the folders again and swap the new index in; on a ``KnowledgeError`` the
        current index stays."""
        files = snapshot(self.paths)
        entries = load_entries(self.paths, locales=self.locale_names)
        self._index, self.files = Index(entries, self.locale_names), files
        log.info("knowledge base reloaded: %d entries", len(entries))

    def start_watching(self, interval: float = 2.0) -> Watcher:
        """Reload whenever a file under ``paths`` changes (checked every ``interval``
        seconds); call ``stop_watching`` before the event loop ends."""
        if self._watcher is None:
            self._watcher = Watcher(self, interval=interval)
            self._watcher.start()
        return self._watcher

    async def stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await watcher.stop()


def load_knowledge(settings: Settings) -> KnowledgeBase | None:
    """config.yaml's knowledge base, or None when ``knowledge.paths`` lists none.
    Raises ``KnowledgeError`` (a ``ConfigError``) naming every bad entry."""
    paths = settings.knowledge.paths
    if not paths:
        return None
    return KnowledgeBase.from_paths(paths, locales=settings.flows.locales)


def _passage(entry: Entry, score: float) -> Passage:
    return Passage(id=entry.key, title=entry.title, answer=entry.answer,
                   locale=entry.locale, score=round(score, 4), source=entry.source)


if TYPE_CHECKING:  # mypy proves the base is what the understanding stage reads
    from bot.understanding.contract import Knowledge

    _IS_KNOWLEDGE: Knowledge = KnowledgeBase([], locales=[])
