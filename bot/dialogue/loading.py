"""Import the flow modules named in config.yaml, and check what they define."""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.dialogue.checks import Where, check_flows
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.flow import Flow
from bot.errors import ConfigError

#: The framework's own top-level packages: a project's package by one of these names is
#: hidden by (or hides) Omnicanal's, so its modules cannot be imported.
RESERVED = ("bot", "connectors", "flows")


def find_project_modules(config: Path) -> None:
    """Make the modules next to ``config`` importable: a project's own flow packages sit
    beside its config file. Appended to ``sys.path``, not put first, so a project folder
    named like an installed module (``email/``, a ``bot.py``) hides nothing."""
    home = str(config.resolve().parent)
    if home not in sys.path:
        sys.path.append(home)


def load_flows(modules: Sequence[str]) -> list[Flow]:
    """Every ``Flow`` listed in each module's ``FLOWS``."""
    return [flow for flows, _ in load_flow_modules(modules) for flow in flows]


def load_flow_modules(modules: Sequence[str]) -> list[tuple[list[Flow], Where]]:
    """Each module's ``FLOWS`` with where it came from; every module's problem at once."""
    loaded: list[tuple[list[Flow], Where]] = []
    problems = []
    for index, name in enumerate(modules):
        where = Where(f"flows.modules[{index}]", name)
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            problems.append(f"{where.path}: cannot import {name!r} ({exc}). "
                            f"{_how_to_import(name)}")
            continue
        except Exception as exc:  # the module's own code failed: say where, go on
            problems.append(f"{where}: importing it failed: {_last_frame(exc)}"
                            f"{type(exc).__name__}: {exc}")
            continue
        found = getattr(module, "FLOWS", None)
        if not isinstance(found, list | tuple) or not all(isinstance(f, Flow) for f in found):
            problems.append(f"{where.path}: module {name!r} must define FLOWS, a list of "
                            "Flow objects")
            continue
        loaded.append((list(found), where))
    if problems:
        raise ConfigError(problems)
    return loaded


def loaded_flows(modules: Sequence[str]) -> tuple[list[Flow], dict[str, Where]]:
    """The flows of ``modules``, and where each came from (for the checks' messages)."""
    loaded = load_flow_modules(modules)
    return ([flow for found, _ in loaded for flow in found],
            {flow.name: place for found, place in loaded for flow in found})


def _how_to_import(name: str) -> str:
    top = name.split(".")[0]
    if top in RESERVED and name.split(".")[:2] != ["flows", "store_assistant"]:
        return (f"'{top}' is Omnicanal's own package name, so a project's '{top}' cannot be "
                "imported: rename your package (omnicanal init names it after the project) "
                "and list it here")
    return ("Check the module path; a project's package is found next to its config file "
            "(or on PYTHONPATH)")


def _last_frame(exc: BaseException) -> str:
    """Where the module's own code failed: the deepest frame outside the framework."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}, line {exc.lineno}: "
    framework = str(Path(__file__).resolve().parents[1])
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith((framework, "<frozen"))]
    if not frames:
        return ""
    return f"{frames[-1].filename}, line {frames[-1].lineno}: "


def checked_engine(
    flows: Sequence[Flow],
    *,
    where: dict[str, Where] | None = None,
    default_flow: str | None = None,
    locales: Sequence[str] = ("en",),
    default_locale: str = "en",
    **options: Any,
) -> DialogueEngine:
    """A ``DialogueEngine`` over ``flows``, after checking them (bot/dialogue/checks.py)
    and the ``flows:`` settings: every problem is a ``ConfigError`` line with its key
    path, so ``omnicanal check`` and start-up report them all and exit 2."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for flow in flows:
        place = str(where[flow.name]) if where and flow.name in where else "flows.modules"
        if flow.name in seen:
            problems.append(f"{place}: two flows are named {flow.name!r} (the other in "
                            f"{seen[flow.name]}); rename one")
        seen.setdefault(flow.name, place)
    if not flows:
        problems.append("flows.modules: no flows to run: list the modules that define them")
    elif default_flow is not None and default_flow not in seen:
        problems.append(f"flows.default: {default_flow!r} is not among the loaded flows "
                        f"({', '.join(sorted(seen))}). Name one of them")
    if default_locale not in locales:
        problems.append(f"flows.default_locale: {default_locale!r} is not in flows.locales "
                        f"({', '.join(locales)}). Add it there or choose one of them")
    problems.extend(check_flows(flows, where=where, locales=locales))
    if problems:
        raise ConfigError(problems)
    return DialogueEngine(flows, default_flow=default_flow, locales=locales,
                          default_locale=default_locale, **options)
