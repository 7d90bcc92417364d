"""Read config.yaml: expand ``${VAR}`` / ``${VAR:-default}``, validate, explain errors.

Every error names the key path, what is wrong and how to fix it. Values are never echoed
back: a wrong token must not end up in a terminal or a log.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from bot.channels import ConnectorSettings, registry
from bot.config.settings import Settings
from bot.errors import ConfigError, ConnectorTypeError

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_env(value: Any, env: Mapping[str, str], path: str, problems: list[str]) -> Any:
    """Replace ``${VAR}`` and ``${VAR:-default}`` in every string of a YAML tree."""
    if isinstance(value, dict):
        return {k: expand_env(v, env, _join(path, str(k)), problems) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, env, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, default = match.group(1), match.group(2)
        if name in env and env[name] != "":
            return env[name]
        if default is not None:
            return default
        problems.append(
            f"{path}: environment variable {name} is not set. Export it, or give a default "
            f"with ${{{name}:-value}}"
        )
        return ""

    expanded = _VAR.sub(substitute, value)
    # A whole-value substitution may stand for a number or a boolean: let YAML type it.
    if expanded != value and _VAR.fullmatch(value):
        try:
            typed = yaml.safe_load(expanded) if expanded else None
        except (yaml.YAMLError, RecursionError):  # RecursionError: "[[[[..." too deep
            return expanded
        return typed if isinstance(typed, bool | int | float) else expanded
    return expanded


def parse_settings(
    raw: Any,
    *,
    env: Mapping[str, str] | None = None,
    source: str = "config.yaml",
) -> Settings:
    """Validate an already-loaded YAML tree into ``Settings`` or raise ``ConfigError``."""
    env = os.environ if env is None else env
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(["(top level): must be a mapping of sections such as store:, server:"],
                          source=source)
    problems: list[str] = []
    tree = expand_env(raw, env, "", problems)
    store = tree.get("store") or {}
    # A store section that is not a mapping is reported by validation below.
    if env.get("REDIS_URL") and isinstance(store, dict) and "url" not in store:
        tree["store"] = {**store, "url": env["REDIS_URL"]}
    connectors_raw = tree.pop("connectors", None) or {}
    settings: Settings | None = None
    try:
        settings = Settings.model_validate(tree)
    except ValidationError as exc:
        problems.extend(_explain(exc, Settings, prefix=""))
    connectors: dict[str, ConnectorSettings] = {}
    if not isinstance(connectors_raw, dict):
        problems.append("connectors: must be a mapping of connector names to their settings")
        connectors_raw = {}
    for name, section in connectors_raw.items():
        path = f"connectors.{name}"
        section = section or {}
        if not isinstance(section, dict):
            problems.append(f"{path}: must be a mapping with at least 'enabled: true'")
            continue
        kind = str(section.get("type") or name)
        try:
            if section.get("enabled", True) is False:
                # A disabled connector may be half-filled, or name a package not installed
                # yet: its type must exist, and nothing is imported or validated.
                registry.check_type(kind)
                connectors[name] = ConnectorSettings(type=kind, enabled=False)
                continue
            model = registry.connector_class(kind).settings_model
        except ConnectorTypeError as exc:
            problems.append(f"{path}{'.type' if 'type' in section else ''}: {exc}")
            continue
        try:
            connectors[name] = model.model_validate(section)
        except ValidationError as exc:
            problems.extend(_explain(exc, model, prefix=path))
    if problems or settings is None:
        raise ConfigError(_without_echoes(problems), source=source)
    return settings.model_copy(update={"connectors": connectors})


def load_settings(path: str | Path, *, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate a config file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"file not found: {file}. Pass -c PATH or create it from the "
                           "shipped config.yaml"], source=str(file)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([f"(byte {exc.start}): the file is not UTF-8. Save it as UTF-8"],
                          source=str(file)) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError([f"({where}): {problem}. Check indentation and quoting"],
                          source=str(file)) from None
    except RecursionError:
        raise ConfigError(["(top level): nested too deeply to be a configuration. Check "
                           "the brackets and the indentation"], source=str(file)) from None
    return parse_settings(raw, env=env, source=str(file))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


#: What to write for a required key that has no default, by path.
_HOW_TO_ADD = {
    "flows": ", naming the Python modules that define your flows: "
             "flows: {modules: [my_bot.flows]} (the shipped demo is flows.store_assistant)",
    "flows.modules": ": modules: [my_bot.flows], the Python modules whose FLOWS are loaded "
                     "(the shipped demo is flows.store_assistant)",
}


def _explain(exc: ValidationError, model: type[BaseModel], *, prefix: str) -> list[str]:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        loc = [str(part) for part in error["loc"]]
        path = ".".join([prefix, *loc] if prefix else loc) or "(top level)"
        kind = error["type"]
        if kind == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            hint = _did_you_mean(loc[-1], list(parent.model_fields) if parent else [])
            fields = ", ".join(parent.model_fields) if parent else ""
            allowed = f" Allowed here: {fields}" if fields else " Remove it"
            problems.append(f"{path}: unknown key.{hint}{allowed}")
        elif kind == "missing":
            problems.append(f"{path}: required but missing. Add it{_HOW_TO_ADD.get(path, '')}")
        else:
            problems.append(f"{path}: {error['msg']}. Fix the value")
    return problems


def _without_echoes(problems: list[str]) -> list[str]:
    """The problems, less those about a value whose environment variable is not set: that
    value is empty because of it, so "is not set" says all (not also, say, "does not look
    like a bot token")."""
    unset = {p.split(":", 1)[0] for p in problems if ": environment variable " in p}
    return [p for p in problems
            if ": environment variable " in p or p.split(":", 1)[0] not in unset]


def _model_at(model: type[BaseModel], loc: list[str]) -> type[BaseModel] | None:
    current: Any = model
    for part in loc:
        if part.isdigit():  # an item of a list: its type is the list's argument
            args = [a for a in get_args(current) if isinstance(a, type)]
            current = args[0] if args else None
        else:
            field = current.model_fields.get(part) if _is_model(current) else None
            current = getattr(field, "annotation", None)
        if current is None:
            return None
    return current if _is_model(current) else None


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""
