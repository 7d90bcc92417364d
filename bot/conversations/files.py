"""``omnicanal test PATH``: find the conversation files, run each under its profiles,
print one line per run and every failure in full."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.conversations.run import ConversationFailed, engine_for, run_conversation
from bot.conversations.spec import load_conversation
from bot.dialogue import DialogueEngine
from bot.errors import BotError, ConfigError

SUFFIX = ".convo.yaml"


def find_files(paths: Sequence[Path]) -> list[Path]:
    """The conversation files: each path given, or those under each folder given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.rglob(f"*{SUFFIX}")))
        elif path.exists():
            found.append(path)
        else:
            raise ConfigError([f"{path}: no such file or folder"], source="omnicanal test")
    return found


def run_files(paths: Sequence[Path], *, out: TextIO) -> int:
    """Run them all; 0 when every run passed, 1 when one failed, 2 when none was found."""
    files = find_files(paths)
    if not files:
        print(f"no *{SUFFIX} files under {', '.join(map(str, paths))}", file=out)
        return 2
    passed, failed = 0, []
    engines: dict[tuple[Path, str], DialogueEngine] = {}
    for path in files:
        try:
            conversation = load_conversation(path)
        except ConfigError as exc:
            failed.append(str(exc))
            print(f"ERROR {path}", file=out)
            continue
        for profile in conversation.profiles:
            label = f"{path}: {conversation.name} [{profile}]"
            try:
                key = (path.parent, repr(conversation.flows) + str(conversation.config))
                engine = engines.get(key) or engines.setdefault(key,
                                                                engine_for(conversation, path))
                asyncio.run(run_conversation(conversation, engine, profile))
            except (ConversationFailed, BotError) as exc:
                failed.append(f"{label}\n{exc}")
                print(f"FAIL  {label}", file=out)
                continue
            passed += 1
            print(f"ok    {label}", file=out)
    for failure in failed:
        print(f"\n{failure}", file=out)
    print(f"\n{passed} passed, {len(failed)} failed", file=out)
    return 1 if failed else 0
