"""Fuzzing the config loader (``bot/config/``): ``parse_settings`` on generated trees and
mutations of the shipped config.yaml, ``load_settings`` on generated YAML text.

The contract: ``Settings`` or ``ConfigError`` (which says what to fix); never another
exception, whatever a careless operator writes or exports.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from bot.config import load_settings, parse_settings
from bot.config.settings import Settings
from bot.errors import ConfigError
from tests.fuzz.profile import costly_settings
from tests.fuzz.strategies import mutated, paths, texts, trees

SHIPPED = Path(__file__).resolve().parents[2] / "config.yaml"
BASE = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
SECTIONS = ["store", "server", "flows", "linking", "handoff", "logging", "connectors",
            "webchat", "telegram", "whatsapp", "messenger", "operators", "url", "port",
            "enabled", "type", "token", "password_hash", "hours", "days", "timezone"]
KEYS = sorted({*SECTIONS, *(p for path in paths(BASE) for p in path if isinstance(p, str))})
VARS = ["REDIS_URL", "OMNICANAL_HOST", "OMNICANAL_PORT", "X"]
ENVS = st.dictionaries(st.sampled_from(VARS), st.one_of(texts(), st.sampled_from(
    ["[" * 3000, "{a: " * 3000, "1e400", "true", "null", "- a\n- b", "redis://x"])))


def expect_settings_or_config_error(raw: Any, env: dict[str, str]) -> None:
    try:
        settings = parse_settings(raw, env=env)
    except ConfigError as exc:
        problems = tuple(exc.problems)
    else:
        problems = ()
        assert isinstance(settings, Settings)
    assert all(problems)  # a ConfigError says what is wrong


@costly_settings
@given(st.one_of(trees(KEYS), st.dictionaries(st.sampled_from(KEYS), trees(KEYS)),
                 mutated([BASE], KEYS)), ENVS)
# Found: with REDIS_URL set, a store section that is a number raised TypeError.
@example({"store": 5}, {"REDIS_URL": "redis://x"})
# Found: a ${VAR} standing for a whole value whose text is YAML nested too deep raised
# RecursionError while being typed.
@example({"server": {"port": "${X}"}}, {"X": "[" * 3000})
def test_any_tree_and_environment_give_settings_or_a_config_error(
        raw: Any, env: dict[str, str]) -> None:
    expect_settings_or_config_error(raw, env)


def _yaml_texts() -> st.SearchStrategy[str]:
    shipped = SHIPPED.read_text(encoding="utf-8")
    cut = st.integers(0, len(shipped))
    return st.one_of(
        texts(),
        st.tuples(cut, cut, texts()).map(lambda t: shipped[:t[0]] + t[2] + shipped[t[1]:]),
        st.sampled_from(["[" * 5000, "a: " * 5000, "- " * 5000, "!!python/object:os.system",
                         "? [a, b]\n: c", "&a [*a]", "store: !!binary AAAA", "\t:", "%YAML 9"]),
    )


@costly_settings
@given(_yaml_texts())
# Found: a file that is not UTF-8 raised UnicodeDecodeError; YAML nested too deep raised
# RecursionError.
@example("store: caf\udce9")
@example("[" * 5000)
def test_any_yaml_text_gives_settings_or_a_config_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            settings: Settings | None = load_settings(path, env={})
        except ConfigError as exc:
            settings, problems = None, tuple(exc.problems)
        else:
            problems = ()
        assert settings is not None or all(problems)
