"""mkdocs hook: the configuration reference page, generated from the settings models at
every build (``bot/config/reference.py``), so it cannot drift from the code."""

from __future__ import annotations

from typing import Any

from mkdocs.structure.files import File, Files

from bot.config import reference

PAGE = "reference/configuration.md"


def on_files(files: Files, config: Any) -> Files:
    files.append(File.generated(config, PAGE, content=reference.markdown()))
    return files
