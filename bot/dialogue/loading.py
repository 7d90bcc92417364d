"""Import the flow modules named in config.yaml."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from bot.dialogue.flow import Flow
from bot.errors import ConfigError


def load_flows(modules: Sequence[str]) -> list[Flow]:
    """Every ``Flow`` listed in each module's ``FLOWS``."""
    flows: list[Flow] = []
    problems = []
    for index, name in enumerate(modules):
        path = f"flows.modules[{index}]"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            problems.append(f"{path}: cannot import {name!r} ({exc}). Check the module path "
                            "and that it is on PYTHONPATH")
            continue
        found = getattr(module, "FLOWS", None)
        if not isinstance(found, list | tuple) or not all(isinstance(f, Flow) for f in found):
            problems.append(f"{path}: module {name!r} must define FLOWS, a list of Flow objects")
            continue
        flows.extend(found)
    if problems:
        raise ConfigError(problems)
    return flows
