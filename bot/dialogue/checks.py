"""Flows checked at load: the mistakes a developer makes, found before a customer meets them.

``omnicanal check`` and start-up run :func:`check_flows` over every loaded flow. Each
problem names the module, the flow and the step, and says how to fix it. What is found:

- a registered step that is a plain ``def`` (steps are ``async def``);
- ``Ask(then=...)``, ``Call(then=...)`` or ``Goto(...)`` naming a step the flow does not
  have: by string, or by a function that is not registered with ``@flow.step`` (or is
  registered on another flow);
- ``Ask`` into a slot the flow does not declare, when it declares slots (a typo there
  skips validation); an ``Ask`` with choices is exempt: its answer is always a payload;
- ``Choice`` built with positional arguments or without ``payload`` or ``title``, and
  ``choices=`` given plain strings;
- ``Start`` or ``Call`` naming a flow that is not loaded;
- ``turn.t("key")`` naming a text key found in no locale (the customer would see ``[key]``);
- a payload trigger shared by two flows (only the first would ever start);
- a flow listed on the menu with no title for a configured locale.

Literal arguments are read from each step's source (``ast``): a name computed at run
time (``Start(ROUTES[choice])``, ``turn.t(f"book.{when}")``, ``then=next_step`` held in a
variable of another module) is not checked here; the engine still refuses it when the
step runs, and the customer gets an apology. A step whose source cannot be read (built
by ``exec``, a lambda) is checked only for being ``async``.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dialogue.flow import Flow
from bot.dialogue.texts import ENGINE_TEXTS, Texts
from bot.messages import choice_hint

#: (positional index, keyword) of the arguments checked in each result's constructor.
_STEP_ARGS = {"Ask": (2, "then"), "Goto": (0, "step"), "Call": (1, "then")}
_FLOW_ARGS = {"Start": (0, "flow"), "Call": (0, "flow")}


@dataclass(frozen=True, slots=True)
class Where:
    """Where a flow was found: the key path of its module in config.yaml, and the module."""

    path: str
    module: str

    def __str__(self) -> str:
        return f"{self.path} ({self.module})"


def check_flows(
    flows: Sequence[Flow],
    *,
    where: Mapping[str, Where] | None = None,
    locales: Sequence[str] = ("en",),
    engine_texts: Texts = ENGINE_TEXTS,
) -> list[str]:
    """Every problem found in ``flows``, one line each (empty when all is well).

    ``where`` maps flow names to where they were loaded from, for the messages."""
    known = {flow.name for flow in flows}
    owners = {id(fn): flow.name for flow in flows for fn in flow.steps.values()}
    problems: list[str] = []
    for flow in flows:
        place = where.get(flow.name) if where else None
        prefix = f"{place}: flow {flow.name!r}" if place else f"flow {flow.name!r}"
        texts = engine_texts.merged(flow.texts) if flow.texts else engine_texts
        for message in _check_flow(flow, known, texts, locales, owners):
            problems.append(f"{prefix}{message}")
    problems.extend(_shared_payloads(flows))
    return problems


def _check_flow(flow: Flow, known: set[str], texts: Texts, locales: Sequence[str],
                owners: Mapping[int, str]) -> Iterator[str]:
    if not flow.steps:
        yield f": has no steps. Add one with @{_var(flow)}.step"
        return
    if flow.start is not None and flow.start not in flow.steps:
        yield (f": starts at {flow.start!r}, which is not a step. Register it with "
               f"@{_var(flow)}.step or fix start=")
    yield from _missing_menu_titles(flow, locales)
    for name, fn in flow.steps.items():
        if not inspect.iscoroutinefunction(fn):
            yield (f", step {name!r}: is a plain def. Write it as 'async def {name}(turn: "
                   "Turn) -> StepResult'")
        tree = _source_tree(fn)
        if tree is None:
            continue
        for line, problem in sorted(_check_calls(flow, fn, tree, known, texts, owners)):
            yield f", step {name!r} (line {line}): {problem}"


def _check_calls(flow: Flow, fn: Callable[..., Any], tree: ast.AST, known: set[str],
                 texts: Texts, owners: Mapping[int, str]) -> Iterator[tuple[int, str]]:
    first_line = fn.__code__.co_firstlineno
    declared = flow.declared_slots
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        line = first_line + node.lineno - 1
        kind = _callee(node)
        if kind in _STEP_ARGS:
            target = _argument(node, *_STEP_ARGS[kind])
            if target is not None:
                problem = _check_step_ref(flow, fn, kind, target, owners)
                if problem:
                    yield line, problem
        if kind in _FLOW_ARGS:
            target = _argument(node, *_FLOW_ARGS[kind])
            if isinstance(target, ast.Constant) and isinstance(target.value, str) \
                    and target.value not in known:
                yield line, (f"{kind}({target.value!r}) names no loaded flow. Known flows: "
                             f"{', '.join(sorted(known))}. Fix the name or add its module "
                             "to flows.modules")
        if kind == "Ask":
            yield from ((line, p) for p in _check_ask(node, declared))
        if kind == "Choice":
            problem = _check_choice(node)
            if problem:
                yield line, problem
        key = _text_key(node)
        if key is not None and not texts.has(key):
            yield line, (f"turn.t({key!r}) names a text found in no locale; the customer "
                         f"would see '[{key}]'. Add {key!r} to the flow's Texts")


def _check_step_ref(flow: Flow, fn: Callable[..., Any], kind: str, target: ast.expr,
                    owners: Mapping[int, str]) -> str | None:
    registered = ", ".join(flow.steps)
    if isinstance(target, ast.Constant) and isinstance(target.value, str):
        if target.value in flow.steps:
            return None
        return (f"{kind} names step {target.value!r}, which flow {flow.name!r} does not "
                f"have (its steps: {registered}). Fix the name or register the step with "
                f"@{_var(flow)}.step")
    if not isinstance(target, ast.Name):
        return None
    value = _resolve(fn, target.id)
    if value is _UNKNOWN or not callable(value):
        return None
    if any(step is value for step in flow.steps.values()):
        return None
    if getattr(value, "__name__", None) in flow.steps:
        return None  # registered under its name, e.g. rebound by a decorator
    other = owners.get(id(value))
    if other is not None:
        return (f"{kind} goes to {target.id}(), a step of flow {other!r}: steps go to steps "
                f"of their own flow. Use Call({other!r}, then=...) or Start({other!r})")
    return (f"{kind} goes to {target.id}(), which is not a step of flow {flow.name!r}. "
            f"Register it: put @{_var(flow)}.step above 'async def {target.id}'")


def _check_ask(node: ast.Call, declared: set[str]) -> Iterator[str]:
    slot = _argument(node, 0, "slot")
    choices = _argument(node, 3, "choices")
    if isinstance(choices, ast.List | ast.Tuple) and any(
            isinstance(e, ast.Constant) for e in choices.elts):
        yield ("choices= holds plain values; offer Choice(payload=\"...\", title=\"...\") "
               "objects")
    if not declared or choices is not None:
        return
    if isinstance(slot, ast.Constant) and isinstance(slot.value, str) \
            and slot.value not in declared:
        yield (f"Ask({slot.value!r}) asks into a slot the flow does not declare (declared: "
               f"{', '.join(sorted(declared))}). Add {slot.value!r} to the flow's slots= with "
               "its type, or fix the name")


def _check_choice(node: ast.Call) -> str | None:
    if any(k.arg is None for k in node.keywords):
        return None  # Choice(**fields): not checked here
    given = {k.arg for k in node.keywords}
    if node.args or not {"payload", "title"} <= given:
        return choice_hint([ast.unparse(a) for a in node.args])
    return None



def _text_key(node: ast.Call) -> str | None:
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "t" and node.args):
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _shared_payloads(flows: Sequence[Flow]) -> Iterator[str]:
    owner: dict[str, str] = {}
    for flow in flows:
        for trigger in flow.triggers:
            if trigger.kind != "payload":
                continue
            first = owner.setdefault(trigger.value, flow.name)
            if first != flow.name:
                yield (f"flow {flow.name!r}: its trigger payload({trigger.value!r}) is also "
                       f"flow {first!r}'s, so only {first!r} ever starts from it. Give each "
                       "flow its own payload")


def _missing_menu_titles(flow: Flow, locales: Sequence[str]) -> Iterator[str]:
    if not isinstance(flow.menu, Mapping):
        return
    if not any(locale in flow.menu for locale in locales):
        wanted = ", ".join(f"{locale!r}: ..." for locale in locales)
        yield (f": menu= has a title for none of the locales {', '.join(locales)}. Give "
               f"menu={{{wanted}}}")


_UNKNOWN = object()


def _resolve(fn: Callable[..., Any], name: str) -> Any:
    closure = inspect.getclosurevars(fn)
    for scope in (closure.nonlocals, closure.globals):
        if name in scope:
            return scope[name]
    return getattr(fn, "__globals__", {}).get(name, _UNKNOWN)


def _source_tree(fn: Callable[..., Any]) -> ast.AST | None:
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        return ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return None


def _callee(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _argument(node: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for item in node.keywords:
        if item.arg == keyword:
            return item.value
    return node.args[index] if len(node.args) > index else None


def _var(flow: Flow) -> str:
    """How the flow is spelled in its module: the global its steps see it as."""
    for fn in flow.steps.values():
        for name, value in getattr(fn, "__globals__", {}).items():
            if value is flow:
                return str(name)
    return flow.name if flow.name.isidentifier() else "flow"
