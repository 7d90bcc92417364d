"""Read the knowledge folders: ``<path>/<locale>/**/*.md|*.yaml``, every entry validated.

All problems of all files are collected before one ``KnowledgeError`` is raised, so
``omnicanal check`` shows every bad entry at once, each with its file.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError
from bot.knowledge.entry import Entry, validate_entry
from bot.knowledge.formats import read_markdown, read_yaml

MARKDOWN = frozenset({".md", ".markdown"})
YAML = frozenset({".yaml", ".yml"})
#: Files a folder may hold beside the entries (notes for the people who write them).
NOT_ENTRIES = frozenset({"readme.md", "readme.markdown"})


def entry_files(paths: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    """(locale, file) for every entry file under the knowledge folders, in a stable order
    (the watcher compares these files' times to see a change)."""
    for root in paths:
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            for file in sorted(folder.rglob("*")):
                if _is_entry(file):
                    yield folder.name, file


def load_entries(paths: Sequence[Path], *, locales: Sequence[str]) -> list[Entry]:
    """Every entry of the folders, or a ``KnowledgeError`` listing every problem."""
    problems = _layout_problems(paths, locales)
    entries: list[Entry] = []
    for locale, file in entry_files(paths):
        if locale not in locales:
            continue  # reported once, for the folder
        try:
            found, wrong = _read(file, locale)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            continue
        entries.extend(found)
        problems.extend(wrong)
    problems.extend(_duplicates(entries))
    if problems:
        raise KnowledgeError(problems, source="knowledge base")
    return entries


def _read(file: Path, locale: str) -> tuple[list[Entry], list[str]]:
    source = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise KnowledgeError([f"{source}: is not UTF-8 text. Save it as UTF-8"],
                             source="knowledge base") from None
    except OSError as exc:
        raise KnowledgeError([f"{source}: cannot be read ({exc.strerror})"],
                             source="knowledge base") from None
    raws: list[tuple[Any, str]]
    if file.suffix.lower() in MARKDOWN:
        raws = [(read_markdown(text, source=source, default_id=file.stem), "")]
    else:
        raws = [(raw, f"entry {n} ({_id_of(raw)}): ")
                for n, raw in enumerate(read_yaml(text, source=source), start=1)]
    entries: list[Entry] = []
    problems: list[str] = []
    for raw, where in raws:
        if not isinstance(raw, dict):
            problems.append(f"{source}: {where}must be a mapping with id, title, questions "
                            "and answer")
            continue
        entry, wrong = validate_entry(raw, locale=locale, source=source, where=where)
        problems.extend(wrong)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def _layout_problems(paths: Sequence[Path], locales: Sequence[str]) -> list[str]:
    problems: list[str] = []
    for root in paths:
        if not root.is_dir():
            problems.append(f"{root}: is not a folder. knowledge.paths lists folders that "
                            f"hold one subfolder per locale ({', '.join(locales)})")
            continue
        for child in sorted(root.iterdir()):
            if child.name.startswith("."):
                continue
            if child.is_dir() and child.name not in locales:
                problems.append(f"{child}: '{child.name}' is not one of flows.locales "
                                f"({', '.join(locales)}). Rename the folder, or add the "
                                "locale to flows.locales")
            elif child.is_file() and _is_entry(child):
                problems.append(f"{child}: is not in a locale folder. Move it into "
                                f"{root / locales[0]} (or another locale's folder)")
    return problems


def _duplicates(entries: list[Entry]) -> list[str]:
    first: dict[str, Entry] = {}
    problems = []
    for entry in entries:
        seen = first.setdefault(entry.key, entry)
        if seen is not entry:
            problems.append(f"{entry.source}: id '{entry.id}' is already used by an entry in "
                            f"{seen.source} (locale {entry.locale}). Give one of them "
                            "another id")
    return problems


def _is_entry(file: Path) -> bool:
    suffix = file.suffix.lower()
    return (file.is_file() and (suffix in MARKDOWN or suffix in YAML)
            and not file.name.startswith(".") and file.name.lower() not in NOT_ENTRIES)


def _id_of(raw: Any) -> str:
    return str(raw.get("id", "no id")) if isinstance(raw, dict) else "not a mapping"
