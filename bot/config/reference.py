"""The configuration reference of the docs site, generated from the settings models.

Every key of config.yaml is a field of a frozen pydantic model (``bot.config.settings``
and its sub-models, and each connector's ``settings_model``), so the reference is read off
those models rather than written by hand: a key's type, default and constraints come from
the field, its meaning from the field's ``description`` or the ``#:`` comment above it. A
new setting therefore appears in the docs the moment it exists, and a setting without a
comment shows up as an empty cell (``tests/test_docs_site.py`` walks the same models).

The docs build calls ``markdown()`` from a mkdocs hook (``docs/hooks/config_reference.py``).
"""

from __future__ import annotations

import ast
import html
import inspect
import json
import re
import textwrap
import types
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from bot.channels import ConnectorSettings, registry
from bot.config.settings import Settings


@dataclass(frozen=True)
class Key:
    """One key of config.yaml, as the reference shows it."""

    path: str
    type: str
    default: str
    constraints: str
    description: str


@dataclass(frozen=True)
class Section:
    """The keys of one settings model at one place in the tree (``store``,
    ``handoff.operators[]``, ``connectors.telegram``)."""

    path: str
    intro: str
    keys: tuple[Key, ...]

    @property
    def anchor(self) -> str:
        return anchor(self.path)


def anchor(path: str) -> str:
    """The HTML id of a section's heading: ``handoff.operators[]`` → ``handoff-operators``."""
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")


def field_comments(model: type[BaseModel]) -> dict[str, str]:
    """Field name → the ``#:`` comment lines just above it, for the model and its bases
    (a subclass's comment wins)."""
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            lines, _ = inspect.getsourcelines(cls)
        except (OSError, TypeError):
            continue
        body = ast.parse(textwrap.dedent("".join(lines))).body[0]
        assert isinstance(body, ast.ClassDef)
        for node in body.body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                comment: list[str] = []
                row = node.lineno - 2
                while row >= 0 and lines[row].strip().startswith("#:"):
                    comment.insert(0, lines[row].strip()[2:].strip())
                    row -= 1
                if comment:
                    found[node.target.id] = " ".join(comment)
    return found


def _nested_model(annotation: Any) -> tuple[type[BaseModel], str] | None:
    """The model a field holds and how its path goes on: ``""`` (a sub-section, maybe
    optional), ``"[]"`` (a list of them), ``".<name>"`` (a map of them)."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    if origin in (Union, types.UnionType) and len(args) == 1:
        return _nested_model(args[0])
    if origin is list and _is_model(args[0]):
        return args[0], "[]"
    if origin is dict and _is_model(args[1]):
        return args[1], ".<name>"
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def type_name(annotation: Any) -> str:
    """A reader's name for a field's type: ``int or null``, ``list of str``, ``one of: a, b``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation is type(None):
        return "null"
    if origin in (Union, types.UnionType):
        return " or ".join(type_name(a) for a in args)
    if origin is Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin is Annotated:
        return type_name(args[0])
    if origin is list:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"map of {type_name(args[0])} to {type_name(args[1])}"
    if annotation is SecretStr:
        return "secret string"
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "path"
    if _is_model(annotation):
        return "section"
    return getattr(annotation, "__name__", str(annotation))


def default_text(field: FieldInfo) -> str:
    """The default as it would be written in config.yaml, or ``required``."""
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        return ""
    if isinstance(value, SecretStr):  # a default is no secret ("embedded", "")
        value = value.get_secret_value()
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Path):
        value = str(value)
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def constraints_text(field: FieldInfo) -> str:
    """The bounds pydantic checks: ``≥ 1``, ``≤ 100``, ``pattern …``, ``length ≥ 1``."""
    found: list[str] = []
    signs = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "multiple_of": "multiple of"}
    for meta in field.metadata:
        for name, sign in signs.items():
            if getattr(meta, name, None) is not None:
                found.append(f"{sign} {getattr(meta, name)}")
        if getattr(meta, "min_length", None) is not None:
            found.append(f"length ≥ {meta.min_length}")
        if getattr(meta, "max_length", None) is not None:
            found.append(f"length ≤ {meta.max_length}")
        if getattr(meta, "pattern", None) is not None:
            found.append(f"pattern `{meta.pattern}`")
    return ", ".join(found)


_SECTION_KINDS = {"": "section", "[]": "list of sections", ".<name>": "map of name to sections"}


def _first_sentence(model: type[BaseModel]) -> str:
    doc = inspect.cleandoc(model.__dict__.get("__doc__") or "")
    return doc.split(". ")[0].split("\n\n")[0].replace("\n", " ").rstrip(".") + "." if doc else ""


def model_sections(model: type[BaseModel], path: str, intro: str = "") -> Iterator[Section]:
    """The section of ``model`` at ``path``, then those of the models it holds."""
    comments = field_comments(model)
    own_doc = inspect.cleandoc(model.__dict__.get("__doc__") or "")
    keys: list[Key] = []
    nested: list[tuple[type[BaseModel], str, str]] = []
    for name, field in model.model_fields.items():
        key_path = f"{path}.{name}" if path else name
        kind = type_name(field.annotation)
        inner = _nested_model(field.annotation)
        meaning = field.description or comments.get(name, "")
        if inner is not None and inner[0] is ConnectorSettings:  # each type's: below
            kind = "map of channel name to [a connector's section](#connectors)"
        elif inner is not None:
            sub_model, tail = inner
            kind = f"[{_SECTION_KINDS[tail]}](#{anchor(key_path + tail)})"
            if tail == "" and not field.is_required() and field.default is None:
                kind = f"optional {kind}"
            nested.append((sub_model, key_path + tail, meaning))
            meaning = meaning or _first_sentence(sub_model)
        keys.append(Key(path=key_path, type=kind, default=default_text(field),
                        constraints=constraints_text(field), description=meaning))
    yield Section(path=path, intro="\n\n".join(p for p in (intro, own_doc) if p),
                  keys=tuple(keys))
    for sub_model, sub_path, comment in nested:
        yield from model_sections(sub_model, sub_path, comment)


def builtin_connector_types() -> list[str]:
    """The connector types Omnicanal itself registers (a plugin documents its own)."""
    return sorted({point.name for point in entry_points(group=registry.GROUP)
                   if point.dist is not None and point.dist.name == "omnicanal"})


CONNECTORS_INTRO = """Each section under `connectors:` configures one channel. Its name is the
channel's name (in identities, history and routing); `type:` picks the implementation
and defaults to the name, so two Telegram bots are two sections, `telegram_shop` and
`telegram_support`, both `type: telegram`. The keys of each built-in type follow, with the
section named after the type; a connector from another package documents its own."""


def connector_sections() -> Iterator[Section]:
    yield Section(path="connectors", intro=CONNECTORS_INTRO, keys=())
    seen: dict[type[BaseModel], str] = {}
    for name in builtin_connector_types():
        cls = registry.connector_class(name)
        model = cls.settings_model
        intro = (f"`type: {name}`: `{cls.__module__}:{cls.__qualname__}`, settings model "
                 f"`{model.__module__}:{model.__qualname__}`.")
        if model in seen:
            intro += f" The same keys as `connectors.{seen[model]}`."
        seen.setdefault(model, name)
        yield from model_sections(model, f"connectors.{name}", intro)


def all_sections() -> list[Section]:
    """Every section of config.yaml: the core's settings, then each built-in connector's."""
    return [*model_sections(Settings, ""), *connector_sections()]


def _key_cell(path: str) -> str:
    """The key as code that may wrap after a dot, not in the middle of a name."""
    return "<code>" + html.escape(path).replace(".", ".<wbr>") + "</code>"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


HEADER = """# Configuration reference

Every key of `config.yaml`, generated from the settings models each time the site is built
(`bot/config/reference.py`), so it is always what the code accepts. Every section is
frozen and refuses unknown keys (a typo is an error, not a default); `${VAR}` reads the
environment and `${VAR:-default}` gives a default; `omnicanal check -c config.yaml`
validates a file and names the key path of every mistake.
"""


def markdown() -> str:
    """The whole reference page."""
    parts = [HEADER]
    for section in all_sections():
        title = f"`{section.path}`" if section.path else "Top level"
        parts.append(f"## {title} {{#{section.anchor or 'top-level'}}}\n")
        if section.intro:
            parts.append(section.intro + "\n")
        if not section.keys:
            continue
        parts.append("| key | type | default | constraints | meaning |\n|---|---|---|---|---|")
        parts.extend(f"| {_key_cell(k.path)} | {_cell(k.type)} | {_cell(k.default)} | "
                     f"{_cell(k.constraints)} | {_cell(k.description)} |" for k in section.keys)
        parts.append("")
    return "\n".join(parts)
