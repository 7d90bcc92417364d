"""``pipeline:`` in config.yaml: stages of your own in the turn chain (``bot/stages.py``)."""

from __future__ import annotations

import importlib
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from bot.config.base import Strict


def import_path(path: str) -> Any:
    """The object a ``package.module:name`` path names. Raises ValueError that says what
    is wrong (the config loader reports it under the key that holds the path)."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"{path!r} is not a 'package.module:name' path")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name!r} ({exc}); check the module name "
                         f"and that its package is installed") from exc
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ValueError(f"module {module_name!r} has no {attribute!r}") from None
    return found


def _factory_path(path: str) -> str:
    if not callable(import_path(path)):
        raise ValueError(f"{path!r} is not callable: name a factory that takes a "
                         f"StageContext and returns the stage")
    return path


class PipelineSettings(Strict):
    """Turn stages of your own, in the chain every message goes through."""

    #: Your own turn stages, as ``package.module:factory`` paths, in order. Each factory
    #: is called with a ``bot.stages.StageContext`` and returns the stage. They run after
    #: the handoff stage and before linking and the dialogue (see ``bot/stages.py``).
    stages: list[Annotated[str, AfterValidator(_factory_path)]] = Field(default_factory=list)
