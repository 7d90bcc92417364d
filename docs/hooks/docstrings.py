"""Griffe extension for the API reference: our docstrings are written for ``help()`` and
doctest (``>>>`` examples, reST ``::`` literal blocks), which Markdown would read as
nested quotes and a stray ``::``. This turns them into fenced code at render time, so
the docstrings stay as they are."""

from __future__ import annotations

import re
from typing import Any

import griffe

PROMPT = re.compile(r"^(\s*)(>>>|\.\.\.)( |$)")


def fence_examples(text: str) -> str:
    """Wrap each run of ``>>>`` lines (with their output, up to a blank line) in a
    ``pycon`` fence, and end a literal-block introduction with ``:`` instead of ``::``."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = PROMPT.match(lines[i])
        if match is None or match[2] != ">>>":
            line = lines[i]
            if line.rstrip().endswith("::") and line.strip() != "::":
                line = line.rstrip()[:-1]
            out.append(line)
            i += 1
            continue
        indent = match[1]
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_examples(obj.docstring.value)
