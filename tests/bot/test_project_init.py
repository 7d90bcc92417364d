"""``omnicanal init``: which names a project's package may take, and what it never
overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.project.create import ProjectError, create_project, package_name


@pytest.mark.parametrize("name", ["bot", "flows", "connectors", "omnicanal", "tests"])
def test_the_framework_s_own_names_are_refused_with_another_offered(
        tmp_path: Path, name: str) -> None:
    with pytest.raises(ProjectError, match=f"pass --name, e.g. --name {name}_bot"):
        package_name(tmp_path / name)


def test_an_installed_module_s_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="a module named 'json' is already installed"):
        package_name(tmp_path / "json")


def test_the_folder_name_becomes_a_python_name(tmp_path: Path) -> None:
    assert package_name(tmp_path / "My-Shop") == "my_shop"
    with pytest.raises(ProjectError, match="is not a Python package name"):
        package_name(tmp_path / "2shops")


def test_a_folder_with_files_of_its_own_keeps_them(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "bot.py").write_text("mine")
    assert create_project(tmp_path / "shop") == "shop"
    assert (tmp_path / "shop" / "bot.py").read_text() == "mine"
    assert (tmp_path / "shop" / "shop" / "booking.py").exists()


def test_nothing_is_written_over_an_existing_file(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "config.yaml").write_text("mine")
    assert main(["init", str(tmp_path / "shop")]) == 2
    assert "already has config.yaml: nothing was written" in capsys.readouterr().err
    assert not (tmp_path / "shop" / "shop").exists()
    assert (tmp_path / "shop" / "config.yaml").read_text() == "mine"
