"""``omnicanal run --reload``: run the bot in a child process and start it again whenever a
flow, a knowledge file or the config changes.

The watcher is ``watchfiles`` (an optional extra, ``omnicanal[reload]``): a well-kept
library on the operating system's own file events (inotify, FSEvents) through Rust's
``notify``, with debouncing, so one save is one restart and nothing polls. It is a
developer's tool, so the core does not depend on it.

Conversations survive a restart because they are not in the process: the child stops on
SIGTERM like any ``omnicanal run`` (the store is flushed and closed), and the new child
finds every session at its step in the same store. The store's own data folder is not
watched (it changes on every message).
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from bot.config.settings import Settings
from bot.errors import ConfigError

#: What a change to restarts for: code, config, texts, data and knowledge files.
WATCHED_SUFFIXES = (".py", ".yaml", ".yml", ".json", ".md", ".txt", ".toml")
_IGNORED_PARTS = {"__pycache__", ".git", ".venv", ".mypy_cache", ".ruff_cache",
                  ".pytest_cache", ".omnicanal", "node_modules"}


def watched_paths(config: Path, settings: Settings) -> list[Path]:
    """The config file's folder, the flow modules' folders and the knowledge folders."""
    paths = [config.resolve().parent]
    for module in settings.flows.modules:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            paths.append(Path(spec.origin).resolve().parent)
    paths.extend(Path(p).resolve() for p in settings.knowledge.paths if Path(p).exists())
    # A folder inside another watched one is watched already.
    return [p for p in paths if not any(o != p and o in p.parents for o in paths)]


def is_watched(path: Path, data_dir: Path) -> bool:
    """Whether a change to ``path`` restarts the bot."""
    if path.suffix not in WATCHED_SUFFIXES or _IGNORED_PARTS.intersection(path.parts):
        return False
    return data_dir not in path.parents


def run_with_reload(child_args: Sequence[str], paths: Sequence[Path], *, data_dir: Path,
                    out: TextIO) -> int:
    """Run ``omnicanal <child_args>`` until SIGINT or SIGTERM, anew after each change."""
    try:
        from watchfiles import watch
    except ImportError:
        raise ConfigError(["run --reload: needs the 'watchfiles' package, which is not "
                           "installed. Install it with: pip install 'omnicanal[reload]'"]
                          ) from None

    def stop_watching(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop_watching)
    data_dir = data_dir.resolve()
    child = _start(child_args)
    print(f"Watching {', '.join(map(str, paths))} for changes (Ctrl-C to stop)",
          file=out, flush=True)
    try:
        for changes in watch(*paths, watch_filter=lambda _, p: is_watched(Path(p), data_dir),
                             raise_interrupt=True):
            changed = sorted({Path(p).name for _, p in changes})
            print(f"Changed: {', '.join(changed)}; restarting the bot", file=out, flush=True)
            _stop(child)
            child = _start(child_args)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        code = _stop(child)
    return 0 if code in (0, -signal.SIGTERM) else code


def _start(child_args: Sequence[str]) -> subprocess.Popen[bytes]:
    # Our own command with our own arguments: nothing untrusted reaches it.
    return subprocess.Popen([sys.executable, "-m", "omnicanal", *child_args])  # noqa: S603


def _stop(child: subprocess.Popen[bytes]) -> int:
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return child.returncode
