"""config.yaml's knowledge base as the runtime and ``omnicanal check`` see it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.errors import KnowledgeError
from bot.runtime import Runtime
from tests.bot.knowledge.conftest import DEMO, SHIPPING_MD, write

REPOSITORY = Path(__file__).parents[3]


async def test_the_runtime_loads_the_configured_base_and_watches_it(
        make_settings: Any, tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    write(folder, "en/shipping-times.md", SHIPPING_MD)
    settings = make_settings(knowledge={"paths": [str(folder)], "reload_seconds": 0.01})
    async with Runtime(settings, serve_http=False) as runtime:
        assert runtime.knowledge is not None
        watcher = runtime.knowledge.start_watching()  # the runtime's own, already running
        write(folder, "es/envios.md", SHIPPING_MD.replace("Shipping times", "Plazos de envío"))
        await watcher.next_poll()
        assert runtime.knowledge.get("es/envios") is not None
    assert runtime.knowledge._watcher is None  # stopped with the runtime


def test_no_paths_no_knowledge_base(make_settings: Any) -> None:
    assert Runtime(make_settings(), serve_http=False).knowledge is None


def test_a_bad_entry_stops_the_runtime_before_it_starts(
        make_settings: Any, tmp_path: Path) -> None:
    write(tmp_path, "en/broken.md", "# Broken\n\nNo questions.\n")
    with pytest.raises(KnowledgeError):
        Runtime(make_settings(knowledge={"paths": [str(tmp_path)]}), serve_http=False)


def check(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60, cwd=REPOSITORY)


def test_omnicanal_check_reports_a_broken_entry_and_counts_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    broken = write(folder, "en/broken.md", "---\ntitle: Broken\nquestions: []\n---\nText.\n")
    config = tmp_path / "config.yaml"
    config.write_text(f"""
store: {{url: "redis://127.0.0.1:1/0"}}
flows: {{modules: [flows.store_assistant], locales: [en, es]}}
knowledge: {{paths: ["{folder}", "{DEMO}"]}}
""")
    done = check(config)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "error: knowledge base is not valid:",
        f"  - {broken}: 'questions': List should have at least 1 item after validation, "
        "not 0"]
    broken.unlink()
    done = check(config)
    assert done.returncode == 0, done.stderr
    assert "  knowledge: 26 entries (13 en, 13 es)" in done.stdout.splitlines()
