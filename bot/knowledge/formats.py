"""The two file formats of a knowledge entry, read into plain mappings for ``entry``.

Markdown: one entry per file. Optional YAML front matter (``---`` lines) gives ``id``,
``title``, ``questions``, ``tags``; else a first ``# Heading`` gives the title, and sections
``## Questions`` and ``## Tags`` (or ``## Preguntas``, ``## Etiquetas``) give the variants
and tags as list items (tags also as one "a, b, c" line). The first other line, or an
``## Answer`` (``## Respuesta``) heading, starts the answer, which runs to the end. The id
defaults to the file's name.

YAML: a list of entries, each a mapping with ``id``, ``title``, ``questions``, ``answer``
and optional ``tags``.

Answers are kept as plain text (emphasis marks and heading hashes dropped, links written
as "text (url)"), so every channel shows the same words: none of them is sent Markdown.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.errors import KnowledgeError

#: libyaml's parser where PyYAML has it: a 2,000-entry base loads several times faster.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^---[ \t]*$\n?", re.S | re.M)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)])[ \t]+(.+?)[ \t]*$")
#: Section headings whose list items are question variants or tags, in both languages.
_SECTIONS = {"questions": "questions", "question variants": "questions",
             "preguntas": "questions", "variantes": "questions",
             "tags": "tags", "etiquetas": "tags"}
#: A heading that only says "the answer starts here".
_ANSWER = frozenset({"answer", "respuesta"})
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__|`)(.+?)\1")


def read_markdown(text: str, *, source: str, default_id: str) -> dict[str, Any]:
    """The entry's keys as written in a Markdown file (validated later, by ``entry``)."""
    fields: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        fields = _front_matter(match.group(1), source)
        text = text[match.end():]
    body: list[str] = []
    section: str | None = None
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if (heading and len(heading.group(1)) == 1 and "title" not in fields
                and not any(written.strip() for written in body)):
            fields["title"] = heading.group(2)
            continue
        if heading and len(heading.group(1)) <= 2:
            name = heading.group(2).strip().lower().rstrip(":")
            section = _SECTIONS.get(name)
            if section is not None or name in _ANSWER:
                continue
        if section is not None:
            item = _LIST_ITEM.match(line)
            if item or not line.strip():
                if item:
                    fields.setdefault(section, []).append(item.group(1))
                continue
            if section == "tags" and "tags" not in fields:  # "## Tags" then "a, b, c"
                fields["tags"] = [part for part in line.split(",") if part.strip()]
                continue
            section = None  # the answer goes on after the lists
        body.append(line)
    answer = plain_text("\n".join(body))
    if answer:
        fields.setdefault("answer", answer)
    fields.setdefault("id", default_id)
    return fields


def read_yaml(text: str, *, source: str) -> list[Any]:
    """The entries of a YAML file, each still to be validated."""
    loaded = _load(text, source, what="the file")
    if not isinstance(loaded, list):
        raise KnowledgeError([f"{source}: must be a list of entries, each with id, title, "
                              "questions and answer (start each with '- id: ...')"],
                             source="knowledge base")
    return loaded


def plain_text(markdown: str) -> str:
    """Markdown-ish text as plain text: what every channel shows the same."""
    text = _LINK.sub(r"\1 (\2)", markdown)
    text = _EMPHASIS.sub(r"\2", text)
    text = _HEADING.sub(r"\2", text)
    text = re.sub(r"^([ \t]*)[*+][ \t]+", r"\1- ", text, flags=re.M)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _front_matter(text: str, source: str) -> dict[str, Any]:
    loaded = _load(text, source, what="the front matter", first_line=2)
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise KnowledgeError([f"{source}: the front matter must be keys such as 'title:' "
                              "and 'questions:', one a line"], source="knowledge base")
    return {str(key): value for key, value in loaded.items()}


def _load(text: str, source: str, *, what: str, first_line: int = 1) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + first_line}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise KnowledgeError([f"{source}: {what} is not valid YAML{at}: {problem}. Check "
                              "the indentation and quote texts that contain ': '"],
                             source="knowledge base") from None
