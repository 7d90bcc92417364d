"""Omnicanal's installed name, and the guard of its three top-level packages.

The framework lives in the top-level packages ``bot``, ``connectors`` and ``flows`` (the
demo). A bot project has files of its own by those names often enough: a ``bot.py`` next
to its config, a ``flows/`` folder. When a tool puts the project's folder first on
``sys.path`` (``python -m pytest``, ``python -m ...``), ``import bot`` would find the
project's ``bot.py`` and not the framework. Importing ``omnicanal`` first loads the three
from where this package is installed, whatever comes first on ``sys.path``, so later
imports of ``bot.*`` get the framework. The ``omnicanal`` command and the pytest plugin
(``omnicanal.pytest_plugin``) import it before anything else.

A project's own package must therefore not be named ``bot``, ``connectors`` or ``flows``:
``omnicanal init`` names it after the project, and ``omnicanal check`` says to rename one
that is not.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

#: The framework's top-level packages, installed next to this one.
PACKAGES = ("bot", "connectors", "flows")
_HOME = str(Path(__file__).resolve().parent.parent)


def _pin(name: str) -> None:
    """Load ``name`` from Omnicanal's own installation unless it is loaded from there."""
    loaded = sys.modules.get(name)
    ours = str(Path(_HOME, name))
    if loaded is not None and list(getattr(loaded, "__path__", [])) == [ours]:
        return
    spec = importlib.machinery.PathFinder.find_spec(name, [_HOME])
    if spec is None or spec.loader is None:
        return  # not installed next to us (an unusual layout): leave the import system be
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


for _name in PACKAGES:
    _pin(_name)


def main() -> int:
    """The ``omnicanal`` command (``bot.cli``), after the guard above."""
    from bot.cli import main as cli_main

    return cli_main()
