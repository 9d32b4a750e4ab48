"""Services made with `cruft create` from this template's history, and the template moving on.

tests/test_cruft.py uses them: a git repository of the template whose main branch starts at an
old commit and then gains this working tree as its next release, services baked from it and
updated as a team would, on a machine without the test run's cookiecutter config.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from baked_project import LEAKY_VARIABLES, BakedProject
from dev_env import TEMPLATE_ROOT
from template_checkouts import git, without_default_answers

CRUFT = Path(sys.executable).parent / "cruft"
UV = [sys.executable, "-m", "uv"]
# A seed row a team adds once app/models.py has the User model of BakedProject.add_user_model.
SEEDED_ADMIN = '    add_missing(session, User, email="admin@example.com")\n'


def team_environment(folder: Path) -> dict[str, str]:
    """The environment of a team's machine: a cookiecutter config of its own, no default answers.

    The test run's config (tests/conftest.py) answers `toolkit_requirement` with a wheel; a team
    has no such answer, so cruft computes it from the template (toolkit_source.py).
    """
    folder.mkdir(parents=True, exist_ok=True)
    env = without_default_answers(folder)
    return {name: value for name, value in env.items() if name not in LEAKY_VARIABLES}


def cruft(cwd: Path, env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CRUFT, *args], cwd=cwd, env=env, capture_output=True, text=True)


def template_repository(destination: Path, commit: str) -> Path:
    """A git repository of this template's history whose `main` is at ``commit``.

    Skips, saying why, when this checkout's history lacks ``commit`` (a shallow clone).
    """
    destination.mkdir(parents=True)
    git(destination, "init", "--quiet")
    git(destination, "fetch", "--quiet", str(TEMPLATE_ROOT), "HEAD")
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=destination, capture_output=True
    )
    if known.returncode != 0:
        pytest.skip(f"this checkout's history lacks template commit {commit} (shallow clone?)")
    git(destination, "checkout", "--quiet", "-b", "main", commit)
    return destination


def release_working_tree(template: Path) -> str:
    """Commit this checkout's working tree, edits included, as `main`'s next commit; return it."""
    git(template, "rm", "-r", "--quiet", ".")
    listed = git(TEMPLATE_ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    for name in filter(None, listed.split("\0")):
        if (TEMPLATE_ROOT / name).is_file():
            (template / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE_ROOT / name, template / name)
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "--allow-empty", "--message", "release")
    return git(template, "rev-parse", "HEAD").strip()


def cruft_create(
    template: Path, output_dir: Path, env: dict[str, str], answers: dict[str, object]
) -> Path:
    """`cruft create` the service ``answers`` describe; return its folder."""
    command = ["create", "--no-input", "--output-dir", output_dir, template]
    created = cruft(output_dir.parent, env, *command, "--extra-context", json.dumps(answers))
    assert created.returncode == 0, created.stdout + created.stderr
    (service,) = output_dir.iterdir()
    return service


def baked_service(
    template: Path, output_dir: Path, env: dict[str, str], answers: dict[str, object]
) -> Path:
    """A service as a team starts one: `cruft create`, then its first commit."""
    service = cruft_create(template, output_dir, env, answers)
    git(service, "init", "--quiet")
    git(service, "add", "--all")
    git(service, "commit", "--quiet", "--message", "Bake from the template")
    return service


def update_cleanly(service: Path, env: dict[str, str]) -> None:
    """`cruft update` a committed service to the template's new commit, then commit the result.

    Fails unless the update applied as one three-way patch: no conflict, no `.rej` file.
    """
    assert cruft(service, env, "check").returncode == 1, "the template has no new commit"
    updated = cruft(service, env, "update", "--skip-apply-ask")
    log = updated.stdout + updated.stderr
    assert updated.returncode == 0, log
    assert "Failed to apply" not in log, "the three-way patch must apply cleanly:\n" + log
    assert git(service, "diff", "--name-only", "--diff-filter=U") == "", log
    assert not list(service.rglob("*.rej")), log
    git(service, "add", "--all")
    git(service, "commit", "--quiet", "--message", "cruft update")
    assert cruft(service, env, "check").returncode == 0


def answers_of(service: Path) -> dict[str, object]:
    """The answers `.cruft.json` keeps, as `cruft create --extra-context` takes them."""
    context = json.loads((service / ".cruft.json").read_text())["context"]["cookiecutter"]
    return {key: value for key, value in context.items() if not key.startswith("_")}


def install(service: BakedProject, *, new_venv: bool) -> None:
    """`pip install -e ".[dev]"` into the service's .venv, with uv (seconds instead of pip's 15)."""
    if new_venv:
        uv_venv = [*UV, "venv", "--quiet", "--python", sys.executable, service.venv]
        subprocess.run(uv_venv, cwd=service.path, check=True, capture_output=True)
    # --python names the target: uv would otherwise install into the venv it runs from.
    target = ["--python", str(service.executable("python"))]
    command = [*UV, "pip", "install", "--quiet", "--compile-bytecode", *target, "-e", ".[dev]"]
    completed = subprocess.run(command, cwd=service.path, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def add_seeded_admin(service: BakedProject) -> None:
    """Seed an admin user in app/seeds.py, as a team following its docstring would."""
    seeds = service.path / "app" / "seeds.py"
    source = seeds.read_text()
    body = '''    """Add the rows every database needs and lacks; see the module's example."""\n'''
    assert body in source, "app/seeds.py no longer has the seed function this test edits"
    source = source.replace(body, body + SEEDED_ADMIN)
    source = source.replace(
        "from sqlalchemy.orm import Session\n",
        "from sqlalchemy.orm import Session\n\nfrom app.models import User\n",
    )
    seeds.write_text(source)


def tracked_files(folder: Path) -> dict[str, bytes]:
    """The files git tracks in ``folder`` (a service: its .venv, database and caches ignored)."""
    names = filter(None, git(folder, "ls-files", "-z").split("\0"))
    return {name: (folder / name).read_bytes() for name in names}


def all_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }
