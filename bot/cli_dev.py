"""The developer's commands of ``omnicanal``: ``init`` (a new project) and ``test``
(conversation tests), kept apart from bot/cli.py's run, check and chat."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bot.config.settings import Settings

Handler = Callable[[argparse.Namespace], int]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Handler]:
    """Add the commands to ``omnicanal``'s parser; returns each one's handler by name."""
    init = sub.add_parser("init", help="write a new bot project into DIR")
    init.add_argument("directory", metavar="DIR", help="the project's folder (created if "
                      "missing; files already there are kept)")
    init.add_argument("--name", default=None,
                      help="the package of its flows (default: the folder's name)")
    test = sub.add_parser("test", help="run conversation tests (*.convo.yaml) under PATH")
    test.add_argument("paths", metavar="PATH", nargs="+",
                      help="a conversation file, or a folder searched for *.convo.yaml")
    return {"init": _init, "test": _test}


def _init(args: argparse.Namespace) -> int:
    from bot.project.create import ProjectError, create_project, describe

    directory = Path(args.directory)
    try:
        package = create_project(directory, name=args.name)
    except ProjectError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(describe(directory, package))
    return 0


def _test(args: argparse.Namespace) -> int:
    from bot.conversations.files import run_files

    return run_files([Path(p) for p in args.paths], out=sys.stdout)


def run_reloading(args: argparse.Namespace, settings: Settings) -> int:
    """``omnicanal run --reload``: the same command, in a child restarted on changes."""
    from bot.reload import run_with_reload, watched_paths

    config = Path(args.config or "config.yaml")
    child = ["run", "--role", args.role, *(["-c", args.config] if args.config else [])]
    return run_with_reload(child, watched_paths(config, settings),
                           data_dir=settings.store.data_dir, out=sys.stdout)
