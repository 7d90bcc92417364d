"""A developer's first bot, as they would make it: the wheel built from this repository,
installed into a fresh virtualenv, ``omnicanal init`` run in a folder that already has
its own ``bot.py``, ``flows/`` and ``connectors/``; there ``omnicanal check``, the
generated tests (``python -m pytest``: the project's folder first on ``sys.path``) and a
short ``omnicanal run`` all work, and none of the project's own files is imported.

Offline and fast: the wheel is built without isolation and installed with ``--no-deps``;
the fresh venv reaches this venv's dependencies (pydantic, pytest...) through a ``.pth``
line added after the install, which is not a site folder, so this repository's editable
install of Omnicanal is not active there.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import aiohttp
import pytest

from bot.store.embedded import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "connectors", "flows", "omnicanal", "pyproject.toml", "README.md")
#: The project's own files by the framework's names; importing any of them fails loudly.
OWN_FILES = {
    "bot.py": "raise SystemExit('the project\\'s own bot.py was imported')\n",
    "flows/__init__.py": "raise ImportError('the project\\'s own flows/ was imported')\n",
    "connectors/__init__.py": "raise ImportError('the project\\'s own connectors/')\n",
}


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(origin, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", work / "dist", source, cwd=work, timeout=120)
    (found,) = (work / "dist").glob("omnicanal-*.whl")
    return found


def test_the_wheel_holds_the_framework_and_the_guard_and_no_tests(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(
        ".dist-info")}
    assert tops == {"bot", "connectors", "flows", "omnicanal"}
    assert "omnicanal/pytest_plugin.py" in names
    assert "connectors/webchat/page.html" in names or any(
        n.startswith("connectors/webchat/") and n.endswith(".html") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]\nomnicanal = omnicanal.pytest_plugin" in text
    assert "omnicanal = omnicanal:main" in text


def _venv_with(wheel: Path, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the wheel installed, and the environment that runs in it."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
         "--no-index", wheel, cwd=tmp_path, timeout=120)
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                cwd=tmp_path).stdout.strip()
    Path(site, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "REDIS_URL")}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    return venv, env


async def test_a_new_project_beside_its_own_bot_py_checks_tests_and_runs(
        wheel: Path, tmp_path: Path) -> None:
    venv, env = _venv_with(wheel, tmp_path)
    python = venv / "bin" / "python"

    project = tmp_path / "work" / "myshop"
    for name, text in OWN_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    omnicanal = venv / "bin" / "omnicanal"
    made = _run(omnicanal, "init", "myshop", cwd=project.parent, env=env)
    assert "its flows are in myshop/" in made.stdout
    assert (project / "bot.py").read_text() == OWN_FILES["bot.py"]  # kept

    checked = _run(omnicanal, "check", cwd=project, env=env)
    assert "flows: booking, human, satisfaction, welcome (default: welcome)" in checked.stdout
    assert "connectors: webchat, console" in checked.stdout

    tested = _run(python, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                  cwd=project, env=env, timeout=90)
    assert "5 passed" in tested.stdout, tested.stdout
    convo = _run(omnicanal, "test", "tests", cwd=project, env=env)
    assert "2 passed, 0 failed" in convo.stdout

    port = free_port()
    process = await asyncio.create_subprocess_exec(
        omnicanal, "run", cwd=project, env={**env, "OMNICANAL_PORT": str(port)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        assert process.stdout is not None
        output = []
        while "Omnicanal is running" not in (output or [""])[-1]:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            assert line, "the bot exited:\n" + "".join(output)
            output.append(line)
        async with aiohttp.ClientSession() as http, \
                http.get(f"http://127.0.0.1:{port}/readyz") as ready:
            assert ready.status == 200, await ready.text()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
