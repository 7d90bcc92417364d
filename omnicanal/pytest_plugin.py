"""Omnicanal's pytest plugin (registered as the ``pytest11`` entry point ``omnicanal``).

Importing it imports ``omnicanal`` first, so a project's own ``bot.py`` or ``flows/`` on
``sys.path`` never hides the framework in its tests. It collects conversation tests,
``*.convo.yaml`` files (bot/conversations), as one test per channel profile they name:
``booking.convo.yaml::a booking[text]``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import omnicanal  # noqa: F401  (the guard of the framework's packages, first)
from bot.conversations import Conversation, ConversationFailed, load_conversation
from bot.conversations.run import engine_for, run_conversation
from bot.errors import BotError

SUFFIX = ".convo.yaml"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    if file_path.name.endswith(SUFFIX):
        found: pytest.File = ConversationFile.from_parent(parent, path=file_path)
        return found
    return None


class ConversationFile(pytest.File):
    """One ``*.convo.yaml``: an item per profile."""

    def collect(self) -> Iterator[pytest.Item]:
        conversation = load_conversation(self.path)
        for profile in conversation.profiles:
            yield ConversationItem.from_parent(self, name=f"{conversation.name}[{profile}]",
                                               conversation=conversation, profile=profile)


class ConversationItem(pytest.Item):
    def __init__(self, *, conversation: Conversation, profile: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.conversation = conversation
        self.profile = profile

    def runtest(self) -> None:
        engine = engine_for(self.conversation, self.path)
        asyncio.run(run_conversation(self.conversation, engine, self.profile))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, ConversationFailed | BotError):
            return f"{self.path.name}, {self.name}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.conversation.name} [{self.profile}]"
