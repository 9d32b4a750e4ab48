"""A service made with `cruft create` can check for template changes and pull them in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from template_checkouts import (
    git,
    head,
    pinned,
    template_repository,
    toolkit_dependency,
    without_default_answers,
)

CRUFT = Path(sys.executable).parent / "cruft"


def cruft(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CRUFT, *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_cruft_created_service_stays_checkable_and_pulls_in_template_changes(
    tmp_path: Path,
) -> None:
    template = template_repository(tmp_path / "template")
    output = tmp_path / "out"
    answers = ["--extra-context", json.dumps({"use_makefile": False})]
    created = cruft(tmp_path, "create", "--no-input", "--output-dir", output, *answers, template)
    assert created.returncode == 0, created.stdout + created.stderr
    service = output / "my_service"
    git(service, "init", "--quiet")
    git(service, "add", "--all")
    git(service, "commit", "--quiet", "--message", "bake")
    assert cruft(service, "check").returncode == 0

    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA template improvement.\n")
    git(template, "commit", "--quiet", "--all", "--message", "improve the README")
    assert cruft(service, "check").returncode == 1

    updated = cruft(service, "update", "--skip-apply-ask")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert (service / "README.md").read_text().endswith("A template improvement.\n")
    assert not (service / "Makefile").exists(), "the update must keep the answers given"
    assert cruft(service, "check").returncode == 0


def test_cruft_update_moves_the_toolkit_pin_to_the_templates_new_commit(tmp_path: Path) -> None:
    checkout = template_repository(tmp_path / "template")
    remote = tmp_path / "template.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(checkout), str(remote))
    # Without the run's default answer (tests/conftest.py), so the toolkit is pinned to a commit.
    environment = without_default_answers(tmp_path)
    create = ["create", "--no-input", "--output-dir", tmp_path / "out", remote]
    created = cruft(tmp_path, *create, env=environment)
    assert created.returncode == 0, created.stdout + created.stderr
    service = tmp_path / "out" / "my_service"
    assert toolkit_dependency(service) == pinned(remote.as_uri(), head(checkout))
    git(service, "init", "--quiet")
    git(service, "add", "--all")
    git(service, "commit", "--quiet", "--message", "bake")

    git(tmp_path, "clone", "--quiet", str(remote), "work")
    readme = tmp_path / "work" / "README.md"
    readme.write_text(readme.read_text() + "\nA template improvement.\n")
    git(tmp_path / "work", "commit", "--quiet", "--all", "--message", "improve the README")
    git(tmp_path / "work", "push", "--quiet", "origin", "HEAD")
    updated = cruft(service, "update", "--skip-apply-ask", env=environment)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert toolkit_dependency(service) == pinned(remote.as_uri(), head(tmp_path / "work"))
