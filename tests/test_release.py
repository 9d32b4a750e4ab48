"""Both products say which version they are, and their changelogs agree."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
RELEASE_HEADING = re.compile(r"^## (\d+\.\d+\.\d+) \(\d{4}-\d{2}-\d{2}\)$", re.MULTILINE)


def newest_release(changelog: Path) -> str:
    match = RELEASE_HEADING.search(changelog.read_text())
    assert match, f"{changelog} has no '## X.Y.Z (date)' heading"
    return match.group(1)


def test_template_version_is_the_newest_changelog_entry() -> None:
    options = json.loads((TEMPLATE_ROOT / "cookiecutter.json").read_text())
    assert options["_template_version"] == newest_release(TEMPLATE_ROOT / "CHANGELOG.md")


def test_toolkit_version_is_the_newest_toolkit_changelog_entry() -> None:
    version_file = TEMPLATE_ROOT / "toolkit/src/alembic_steward/_version.py"
    version = re.search(r'__version__ = "([^"]+)"', version_file.read_text()).group(1)
    assert version == newest_release(TEMPLATE_ROOT / "toolkit/CHANGELOG.md")


def test_newest_template_release_names_the_toolkit_version_it_was_tested_with() -> None:
    text = (TEMPLATE_ROOT / "CHANGELOG.md").read_text()
    newest = text[text.index("\n## ") :].split("\n## ")[1]
    toolkit = newest_release(TEMPLATE_ROOT / "toolkit/CHANGELOG.md")
    assert f"Tested with alembic-steward {toolkit}" in newest


def test_both_products_ship_a_license() -> None:
    for folder in (TEMPLATE_ROOT, TEMPLATE_ROOT / "toolkit"):
        assert "Permission is hereby granted" in (folder / "LICENSE").read_text()


def test_toolkit_builds_a_typed_wheel_and_an_sdist(tmp_path: Path) -> None:
    uv = Path(sys.executable).parent / "uv"
    command = [uv, "build", "--quiet", "--out-dir", tmp_path, TEMPLATE_ROOT / "toolkit"]
    completed = subprocess.run(command, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    (wheel,) = tmp_path.glob("alembic_steward-*.whl")
    (sdist,) = tmp_path.glob("alembic_steward-*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
        requires = archive.read(metadata).decode()
    assert "alembic_steward/py.typed" in names
    assert "alembic_steward/tasks/__init__.py" in names
    assert not any(name.startswith("tests/") for name in names)
    assert "Provides-Extra: tasks" in requires and "Provides-Extra: testing" in requires
    with tarfile.open(sdist) as archive:
        assert any(name.endswith("/LICENSE") for name in archive.getnames())
