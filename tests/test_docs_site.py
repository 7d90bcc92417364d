"""The docs site (mkdocs.yml) builds strict, its configuration reference has every key of
every settings model, and the code on its getting-started and testing pages runs.

The key list here is walked independently of ``bot/config/reference.py``, so a setting
that the generator would miss (a new kind of nesting) fails this test too.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from bot.channels import ConnectorSettings, registry
from bot.config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# The docs do not depend on the store: build them once, not again on the cluster run.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("OMNICANAL_TEST_CLUSTER")),
                       reason="the docs site does not depend on the store"),
]


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=config.parent, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = build(ROOT / "mkdocs.yml", out)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _models_in(annotation: Any) -> Iterator[tuple[type[BaseModel], str]]:
    """Each settings model a field's type holds, with how the key path goes on."""
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, ""
    elif origin in (Union, types.UnionType):
        for arg in args:
            yield from _models_in(arg)
    elif origin is Annotated:
        yield from _models_in(args[0])
    elif origin is list:
        yield from ((model, "[]" + tail) for model, tail in _models_in(args[0]))
    elif origin is dict:
        yield from ((model, ".<name>" + tail) for model, tail in _models_in(args[1]))


def key_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        yield path
        for inner, tail in _models_in(field.annotation):
            if inner is not ConnectorSettings:  # connectors.<channel>: by type, below
                yield from key_paths(inner, path + tail)


def every_key() -> list[str]:
    keys = list(key_paths(Settings))
    for point in entry_points(group=registry.GROUP):
        if point.dist is not None and point.dist.name == "omnicanal":
            model = registry.connector_class(point.name).settings_model
            keys.extend(key_paths(model, f"connectors.{point.name}"))
    return keys


def page_text(site: Path, page: str) -> str:
    [found] = [p for p in (site / f"{page}.html", site / page / "index.html") if p.exists()]
    return html.unescape(found.read_text(encoding="utf-8").replace("<wbr>", ""))


def test_the_configuration_reference_has_every_settings_key(site: Path) -> None:
    text = page_text(site, "reference/configuration")
    keys = every_key()
    assert len(keys) > 150 and "connectors.telegram.token" in keys
    missing = [key for key in keys if f"<code>{key}</code>" not in text]
    assert not missing, f"keys missing from the configuration reference: {missing}"


def test_every_settings_key_says_what_it_is_for() -> None:
    """A new setting needs a ``#:`` comment (or a Field description) above it."""
    from bot.config import reference

    empty = [k.path for s in reference.all_sections() for k in s.keys if not k.description]
    assert not empty, f"settings without a '#:' comment or a description: {empty}"


def test_the_api_reference_is_generated_from_the_docstrings(site: Path) -> None:
    flows = page_text(site, "reference/dialogue")
    for name in ("Flow", "Ask", "Goto", "Call", "Start", "End", "Handoff", "Turn", "Choice"):
        assert f'id="bot.dialogue.{name}"' in flows, name
    assert "A dialogue flow written in Python" in flows
    assert 'id="bot.testing.FlowTester"' in page_text(site, "reference/testing")
    contract = page_text(site, "reference/channels")
    assert 'id="bot.channels.contract.BaseConnector"' in contract
    assert 'id="bot.stages.StageContext"' in page_text(site, "reference/stages")
    assert 'id="bot.understanding.contract.Provider"' in page_text(
        site, "reference/understanding")
    # docstring examples are code, not nested quotes (docs/hooks/docstrings.py)
    assert "<blockquote>" not in flows


def test_a_broken_link_or_a_page_left_out_of_the_nav_fails_the_build(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path)
    for package in ("bot", "connectors"):  # what the API reference reads and serve watches
        (tmp_path / package).symlink_to(ROOT / package)
    (tmp_path / "docs" / "orphan.md").write_text("# Not in the nav\n")
    flows = tmp_path / "docs" / "flows.md"
    flows.write_text(flows.read_text(encoding="utf-8") + "\nSee [gone](no-such-page.md).\n")
    done = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr and "orphan.md" in done.stderr


def test_nothing_is_loaded_from_another_site(site: Path) -> None:
    """No CDN at run time: no script, stylesheet or font from elsewhere (``font: false``;
    material's offline plugin is left out as it loads a shim from unpkg)."""
    loads = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="(?:https?:)?//[^"]*"')
    for page in site.rglob("*.html"):
        found = loads.findall(page.read_text(encoding="utf-8"))
        assert not found, f"{page.relative_to(site)} loads {found}"


def python_blocks(page: str) -> list[str]:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


async def test_the_getting_started_bot_and_the_testing_pages_tests_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The module of docs/getting-started.md is a working bot, and the tests shown there
    and in docs/testing.md pass against it."""
    module, *tests = python_blocks("getting-started.md")
    package = tmp_path / "my_bot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "flows.py").write_text(module)
    monkeypatch.syspath_prepend(str(tmp_path))
    ran = []
    try:
        for page, source in [*(("getting-started.md", t) for t in tests),
                             *(("testing.md", t) for t in python_blocks("testing.md"))]:
            namespace: dict[str, Any] = {}
            exec(compile(source, f"docs/{page}", "exec"), namespace)
            for name, test in namespace.items():
                if name.startswith("test_"):
                    await test()
                    ran.append(name)
    finally:
        for name in ("my_bot.flows", "my_bot"):
            sys.modules.pop(name, None)
    assert ran == ["test_a_booking", "test_a_booking", "test_a_booking_by_sms", "test_echo"]
