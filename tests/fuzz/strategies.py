"""Hostile input for the fuzz properties: JSON-like trees, strings that break naive code
(huge, non-ASCII, lone surrogates, NUL, look-alike commands and button keys), numbers that
do not fit (10**400, NaN, infinities), and the real payloads of ``tests/data`` with one to
three fields replaced, deleted or given the wrong type.

Mutating real payloads matters more than random trees: a random tree almost never gets
past a parser's first ``if``, a real delivery with one field wrong reaches every branch.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

DATA = Path(__file__).resolve().parents[1] / "data"

JSON = dict[str, Any]
Path_ = tuple[str | int, ...]


@cache
def _samples(platform: str) -> tuple[str, ...]:
    # Kept as text, loaded afresh for each use: strategies mutate what they draw.
    return tuple(p.read_text(encoding="utf-8") for p in sorted((DATA / platform).glob("*.json")))


def samples(platform: str) -> list[Any]:
    """Every payload example of ``tests/data/<platform>`` (a fresh copy each call); a file
    holding a list of them (``malformed.json``) gives each."""
    found: list[Any] = []
    for text in _samples(platform):
        value = json.loads(text)
        found.extend(value if isinstance(value, list) else [value])
    return found


def sample(platform: str, name: str) -> Any:
    return json.loads((DATA / platform / f"{name}.json").read_text(encoding="utf-8"))


def field_names(*platforms: str) -> list[str]:
    """Every key that appears in the examples: generated trees reuse them, so they look
    enough like a delivery to get past the first checks."""
    names: set[str] = set()
    for platform in platforms:
        for tree in samples(platform):
            for path in paths(tree):
                names.update(p for p in path if isinstance(p, str))
    return sorted(names)


# -- values ---------------------------------------------------------------------------

NASTY_STRINGS = [
    "", " ", "\x00", "\ud800", "\udfff", "a\udc80b", "é", "😀", "\u202e", "\ufeff",
    "\uff21\uff22\uff23",
    "٣٤٥", "\n\t", "/start", "/start ABC-123", "/start " + "A" * 300, "~", "~p:" + "0" * 32,
    "~expired", "${HOME}", "$$", "null", "NaN", "1e400", "-1", "<script>", "a" * 5000,
    "private", "text", "message", "choice", "hello", "whatsapp_business_account", "page",
]
HUGE_INT = 10**400
WRONG_VALUES: list[Any] = [
    None, True, False, 0, -1, 2**63, HUGE_INT, -HUGE_INT, 1e308, float("nan"), float("inf"),
    "", "x", "\ud800", "é" * 100_000, [], [None], [[]], {}, {"": None}, {"id": {}},
]


def deep(depth: int, container: str = "list") -> Any:
    """A value nested ``depth`` times (built without recursion)."""
    value: Any = None
    for _ in range(depth):
        value = [value] if container == "list" else {"a": value}
    return value


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=40),
        # Unassigned, private-use, format, surrogate and control code points.
        st.text(st.characters(categories=["Cs", "Co", "Cn", "Cf", "Cc", "Zs", "So"]),
                max_size=20),
        st.sampled_from(NASTY_STRINGS),
        st.integers(1_000, 20_000).map(lambda n: "ü" * n),
    )


def numbers() -> st.SearchStrategy[int | float]:
    return st.one_of(st.integers(), st.floats(),
                     st.sampled_from([2**63, 2**64, HUGE_INT, -HUGE_INT, 1e308, -0.0]))


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), numbers(), texts())


def trees(keys: list[str] | None = None, *, max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """JSON-like trees whose keys are mostly the platform's own field names."""
    key = st.one_of(st.sampled_from(keys), texts()) if keys else texts()
    return st.recursive(
        scalars(),
        lambda children: st.one_of(st.lists(children, max_size=4),
                                   st.dictionaries(key, children, max_size=5)),
        max_leaves=max_leaves)


def objects(keys: list[str] | None = None) -> st.SearchStrategy[JSON]:
    """A JSON object (what every parser is handed once the body is decoded)."""
    key = st.one_of(st.sampled_from(keys), texts()) if keys else texts()
    return st.dictionaries(key, trees(keys), max_size=5)


# -- mutating real payloads -------------------------------------------------------------

def paths(tree: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    """The path of every value inside ``tree`` (keys of dicts, indexes of lists)."""
    stack: list[tuple[Path_, Any]] = [(prefix, tree)]
    while stack:
        path, node = stack.pop()
        items = node.items() if isinstance(node, dict) else (
            enumerate(node) if isinstance(node, list) else ())
        for key, child in items:
            yield (*path, key)
            stack.append(((*path, key), child))


def _parent(tree: Any, path: Path_) -> Any:
    node = tree
    for key in path[:-1]:
        node = node[key]
    return node


def replaced(tree: Any, path: Path_, value: Any) -> Any:
    copied = copy.deepcopy(tree)
    _parent(copied, path)[path[-1]] = value
    return copied


def deleted(tree: Any, path: Path_) -> Any:
    copied = copy.deepcopy(tree)
    del _parent(copied, path)[path[-1]]
    return copied


@st.composite
def mutated(draw: st.DrawFn, bases: list[Any], keys: list[str]) -> Any:
    """One of ``bases`` with one to three of its values replaced by a generated tree or a
    wrong-typed value, deleted, or with an extra generated field or list item."""
    tree = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 3))):
        spots = sorted(paths(tree), key=repr)
        if not spots:
            break
        path = draw(st.sampled_from(spots))
        how = draw(st.sampled_from(("tree", "wrong", "delete", "add")))
        parent = _parent(tree, path)
        if how == "delete":
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, list):
            parent.append(draw(trees(keys)))
        elif how == "add":
            parent[draw(st.sampled_from(keys))] = draw(trees(keys))
        elif how == "tree":
            parent[path[-1]] = draw(trees(keys))
        else:  # a copy: the shared value must not be mutated (or inserted into itself)
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(WRONG_VALUES)))
    return tree


def wrong_everywhere(tree: Any) -> Iterator[tuple[str, Any]]:
    """Every variant of ``tree`` with one value deleted or given each wrong value, named
    by its path: the exhaustive version of ``mutated`` (a few thousand per platform)."""
    for path in sorted(paths(tree), key=repr):
        yield f"{path} deleted", deleted(tree, path)
        for value in WRONG_VALUES:
            yield f"{path}={value!r:.30}", replaced(tree, path, value)
