"""The pre-generation hook rejects answers that would bake a broken project, writing nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from dev_env import DEV_VENV, TEMPLATE_ROOT, venv_executable

BAD_SLUGS = {
    "keyword": ("class", "is a Python keyword"),
    "stdlib": ("json", "standard-library module"),
    "own-package": ("app", "would shadow a package the project uses"),
    "dependency": ("alembic", "would shadow a package the project uses"),
    "async-driver": ("aiosqlite", "would shadow a package the project uses"),
    "stdlib-test-package": ("test", "would shadow a package the project uses"),
    "dunder": ("__init__", "double-underscore name"),
    "uppercase": ("MyService", "not a lowercase Python identifier"),
    "dash": ("my-service", "not a lowercase Python identifier"),
    "leading-digit": ("1service", "not a lowercase Python identifier"),
    "path-escape": ("../escaped", "not a lowercase Python identifier"),
    "non-ascii": ("sérvice", "not a lowercase Python identifier"),
}


def bake_with_cli(output_dir: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    cookiecutter = venv_executable(DEV_VENV, "cookiecutter")
    command = [cookiecutter, "--no-input", "--output-dir", output_dir, TEMPLATE_ROOT, *answers]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.parametrize("slug, reason", BAD_SLUGS.values(), ids=BAD_SLUGS.keys())
def test_bad_slug_is_rejected_with_a_one_line_reason(
    tmp_path: Path, slug: str, reason: str
) -> None:
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    completed = bake_with_cli(output_dir, f"project_slug={slug}")
    assert completed.returncode != 0
    our_lines = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert len(our_lines) == 1 and reason in our_lines[0] and slug in our_lines[0]
    assert "choose another" in our_lines[0]
    assert "Traceback" not in completed.stdout + completed.stderr


# Cookiecutter creates the project folder before the hook runs; nested and absolute slugs
# would create parent folders the hook's rejection does not remove.
@pytest.mark.parametrize("slug", ["class", "../escaped", "a/b/c", "../x/y", "{absolute}/p/q"])
def test_rejected_bake_leaves_nothing_inside_or_outside_the_output_folder(
    tmp_path: Path, slug: str
) -> None:
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    slug = slug.format(absolute=tmp_path / "absolute")
    completed = bake_with_cli(output_dir, f"project_slug={slug}")
    assert completed.returncode != 0
    assert f"error: project_slug '{slug}' " in completed.stderr
    assert sorted(tmp_path.rglob("*")) == [output_dir]


@pytest.mark.parametrize("version", ["3.9", "3", "three", "3.11.2", "4.0"])
def test_unsupported_python_version_is_rejected(tmp_path: Path, version: str) -> None:
    completed = bake_with_cli(tmp_path, f"python_version={version}")
    assert completed.returncode != 0
    assert f"python_version '{version}' is not 3.10 or newer" in completed.stderr
    assert list(tmp_path.iterdir()) == []


def test_good_slug_bakes(cookies) -> None:
    result = cookies.bake(extra_context={"project_slug": "billing_service"})
    assert result.exit_code == 0, result.exception
    assert Path(result.project_path).name == "billing_service"
