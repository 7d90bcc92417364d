"""``omnicanal init DIR``: write a new bot project that runs with the installed package.

The project's flows live in a package named after it (``my-shop`` → ``my_shop``), never
``bot``, ``connectors`` or ``flows``: those are Omnicanal's own (see ``omnicanal``'s
docstring), so a project may keep a ``bot.py`` or a ``flows/`` folder of its own beside
them without either hiding the other. A name that an installed module already has is
refused too: the project's package would hide it, or be hidden by it.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
from pathlib import Path

from bot.errors import BotError
from bot.project.template import FILES

#: Names a project's package may not take: the framework's own, and what a project has.
TAKEN = ("bot", "connectors", "flows", "omnicanal", "tests", "knowledge")


class ProjectError(BotError):
    """The project cannot be written as asked; the message says what to change."""


def package_name(directory: Path, name: str | None = None) -> str:
    """The project's package name: ``name``, else the folder's name made a Python name."""
    chosen = name or re.sub(r"[^0-9a-zA-Z_]", "_", directory.resolve().name).lower()
    if not chosen.isidentifier() or keyword.iskeyword(chosen):
        raise ProjectError(f"{chosen!r} is not a Python package name: give one with "
                           "--name, e.g. --name my_shop (letters, digits, _)")
    if chosen in TAKEN:
        raise ProjectError(f"{chosen!r} is a name Omnicanal or the project itself uses "
                           f"({', '.join(TAKEN)}): name the project otherwise, or pass "
                           f"--name, e.g. --name {chosen}_bot")
    if importlib.util.find_spec(chosen) is not None:
        raise ProjectError(f"a module named {chosen!r} is already installed, and the "
                           f"project's package would hide it or be hidden by it: pass "
                           f"--name, e.g. --name {chosen}_bot")
    return chosen


def create_project(directory: Path, *, name: str | None = None) -> str:
    """Write the project into ``directory`` (created if missing; files already there,
    such as a ``bot.py`` of one's own, are kept). Returns its package's name."""
    package = package_name(directory, name)
    planned = {directory / path.format(name=package): text.format(name=package)
               for path, text in FILES.items()}
    clashes = [path for path in planned if path.exists()]
    if clashes:
        listed = ", ".join(str(p.relative_to(directory)) for p in clashes)
        raise ProjectError(f"{directory} already has {listed}: nothing was written. Choose "
                           "an empty or new folder, or move those files away")
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def describe(directory: Path, package: str) -> str:
    """What to do next, printed after the project is written."""
    where = "" if directory.resolve() == Path.cwd().resolve() else f"cd {directory}\n  "
    return (f"A new bot in {directory}: its flows are in {package}/, its tests in tests/.\n"
            f"Next:\n  {where}omnicanal check   # the configuration and every flow\n"
            "  omnicanal run     # open http://127.0.0.1:8080/\n"
            "  pytest            # the tests (pip install pytest pytest-asyncio)")
