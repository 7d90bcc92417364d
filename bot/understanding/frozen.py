"""A quicker ``__init__`` for the understanding contract's frozen dataclasses.

Every free-text message builds a few of them (the request, the understanding, a command,
a knowledge passage), and a frozen dataclass's own ``__init__`` sets each field with
``object.__setattr__(self, name, value)`` (its ``__setattr__`` refuses): about four times
what setting a field of a plain one costs, a microsecond or more per instance on an
eight-field request (issue 16: what a sentence costs besides the provider). For a class
with ``__slots__`` each field is a slot, whose descriptor sets it directly
(``member_descriptor.__set__``), past the refusing ``__setattr__``: the same instance in
about half the time. Everything else stays the dataclass's: frozen, equality, hash, repr,
``dataclasses.fields`` and ``replace``, pickling.

The ``__init__`` is generated as dataclasses generate theirs (``exec`` of a ``def`` built
from the fields), with the same parameters, defaults and default factories.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

#: The default of a parameter whose field has a default factory (a fresh value per call).
_FACTORY: Any = object()


def quick_init(cls: type[T]) -> type[T]:
    """``cls`` (a ``@dataclass(frozen=True, slots=True)``) with an ``__init__`` that sets
    each field through its slot. Fields must all be ``init`` and positional (no
    ``kw_only``), and the class must have no ``__post_init__``: then the generated
    ``__init__`` does exactly what the dataclass's did."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__") or any(
            not f.init or f.kw_only for f in fields):
        raise TypeError(f"quick_init needs a slotted dataclass without __post_init__, "
                        f"init=False or kw_only fields; {cls.__name__} is not one")
    env: dict[str, Any] = {"_FACTORY": _FACTORY}
    params, lines = [], []
    for n, f in enumerate(fields):
        env[f"_set{n}"] = cls.__dict__[f.name].__set__
        value = f.name
        if f.default is not dataclasses.MISSING:
            env[f"_default{n}"] = f.default
            params.append(f"{f.name}=_default{n}")
        elif f.default_factory is not dataclasses.MISSING:
            env[f"_factory{n}"] = f.default_factory
            params.append(f"{f.name}=_FACTORY")
            value = f"_factory{n}() if {f.name} is _FACTORY else {f.name}"
        else:
            params.append(f.name)
        lines.append(f"    _set{n}(self, {value})")
    source = (f"def __init__(self, {', '.join(params)}) -> None:\n"
              + "\n".join(lines or ["    pass"]) + "\n")
    made: dict[str, Any] = {}
    exec(source, env, made)  # noqa: S102 - our own source, from the fields, as dataclasses do
    init = made["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    type.__setattr__(cls, "__init__", init)
    return cls
