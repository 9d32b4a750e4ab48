"""A bake depends on the toolkit at the template's commit on its git remote, on the template's own
toolkit/ folder when no remote holds it (saying so in one line), or on the answer given."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from baked_project import BakedProject, created_revision
from dev_env import TEMPLATE_ROOT, TOOLKIT_DIR
from jinja2 import Environment
from matrix_checks import install_with_uv
from template_checkouts import (
    ServedTemplate,
    bake,
    baked,
    git,
    head,
    notes,
    pinned,
    served,
    template_repository,
    toolkit_dependency,
)

import toolkit_source

# The filter, on its own: remote URL forms and answer forms.

# Where the checkout is, for a remote given as a relative path; not the tests' folder's sibling.
TOPLEVEL = Path("/srv/checkouts/template")

REMOTE_URLS = {
    "https": ("https://git.example.com/team/template.git", "git+https://git.example.com/team/template.git"),
    "https-token": ("https://ci:s3cret@git.example.com/t.git", "git+https://git.example.com/t.git"),
    "https-token-as-user": ("https://s3cret@github.com/team/t.git", "git+https://github.com/team/t.git"),
    "ssh": ("ssh://git@git.example.com:2222/team/t.git", "git+ssh://git@git.example.com:2222/team/t.git"),
    "ssh-password": ("ssh://git:s3cret@git.example.com/t.git", "git+ssh://git@git.example.com/t.git"),
    "scp-like": ("git@git.example.com:team/t.git", "git+ssh://git@git.example.com/team/t.git"),
    "scp-like-no-user": ("git.example.com:team/t.git", "git+ssh://git.example.com/team/t.git"),
    "scp-like-absolute": ("git@git.example.com:/srv/t.git", "git+ssh://git@git.example.com/srv/t.git"),
    "git-protocol": ("git://127.0.0.1:9418/t.git", "git+git://127.0.0.1:9418/t.git"),
    "file-url": ("file:///srv/git/t.git", "git+file:///srv/git/t.git"),
    "absolute-path": ("/srv/git/t.git", "git+file:///srv/git/t.git"),
    "relative-path": ("../t.git", "git+file:///srv/checkouts/t.git"),
    "path-with-space": ("/srv/git/my t.git", "git+file:///srv/git/my%20t.git"),
}  # fmt: skip


@pytest.mark.parametrize("remote, expected", REMOTE_URLS.values(), ids=REMOTE_URLS.keys())
def test_each_remote_url_form_becomes_a_url_pip_installs_without_credentials(
    remote: str, expected: str
) -> None:
    pip_url = toolkit_source.pip_git_url(remote, TOPLEVEL)
    assert pip_url is not None and pip_url.url == expected
    assert pip_url.credentials_dropped == ("s3cret" in remote)


@pytest.mark.parametrize(
    "remote",
    ["ftp://git.example.com/t.git", "ext::ssh -p 2222 host %S t.git", "https://h/t.git?token=x"],
    ids=["ftp", "remote-helper", "query"],
)
def test_a_remote_pip_cannot_install_from_is_not_pinned(remote: str) -> None:
    assert toolkit_source.pip_git_url(remote, TOPLEVEL) is None


ANSWERS = {
    "version-range": (">=0.1,<0.2", "alembic-steward[tasks]>=0.1,<0.2"),
    "pinned-version": ("  ==0.2.1 ", "alembic-steward[tasks]==0.2.1"),
    "internal-index": ("alembic-steward[tasks]~=0.3", "alembic-steward[tasks]~=0.3"),
    "full-requirement": (
        "alembic-steward[tasks] @ git+https://h/t.git@v1#subdirectory=toolkit",
        "alembic-steward[tasks] @ git+https://h/t.git@v1#subdirectory=toolkit",
    ),
}


@pytest.mark.parametrize("answer, expected", ANSWERS.values(), ids=ANSWERS.keys())
def test_an_answer_is_the_requirement_without_a_note(answer: str, expected: str) -> None:
    extensions = [toolkit_source.toolkit_requirement, toolkit_source.toolkit_note]
    environment = Environment(extensions=extensions)
    render = environment.from_string("{{ x | toolkit_requirement }}|{{ x | toolkit_note }}")
    assert render.render(x=answer) == f"{expected}|"


# The default, on small checkouts in each state a template's checkout can be in.


def checkout(folder: Path, *, remote: bool = True, subfolder: str = "") -> Path:
    """A committed template checkout (its root in ``subfolder``), its commit pushed to a remote."""
    repository = folder / "checkout"
    root = repository / subfolder
    (root / "toolkit").mkdir(parents=True)
    (root / "toolkit" / "pyproject.toml").write_text("[project]\nname = 'alembic-steward'\n")
    (root / "cookiecutter.json").write_text("{}\n")
    git(repository, "init", "--quiet")
    git(repository, "add", "--all")
    git(repository, "commit", "--quiet", "--message", "template")
    if remote:
        git(folder, "init", "--quiet", "--bare", "remote.git")
        git(repository, "remote", "add", "origin", str(folder / "remote.git"))
        git(repository, "push", "--quiet", "origin", "HEAD")
    return root


def test_a_checkout_whose_commit_is_on_its_remote_pins_that_commit(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    (root / "cookiecutter.json").write_text('{"edited": "outside toolkit/"}\n')
    source = toolkit_source.toolkit_source("", root)
    remote = (tmp_path / "remote.git").as_uri()
    expected = f"alembic-steward[tasks] @ git+{remote}@{head(root)}#subdirectory=toolkit"
    assert source == toolkit_source.ToolkitSource(expected)


def test_a_template_in_a_subfolder_of_its_repository_pins_that_subfolder(tmp_path: Path) -> None:
    root = checkout(tmp_path, subfolder="templates/service")
    source = toolkit_source.toolkit_source("", root)
    assert source.requirement.endswith(f"@{head(root)}#subdirectory=templates/service/toolkit")


def test_a_checkout_with_no_remote_installs_its_folder_and_says_so(tmp_path: Path) -> None:
    root = checkout(tmp_path, remote=False)
    source = toolkit_source.toolkit_source("", root)
    assert source.requirement == f"alembic-steward[tasks] @ {(root / 'toolkit').as_uri()}"
    assert source.note.startswith(f"note: this project installs alembic-steward from {root}/")
    assert "(a local checkout with no git remote)" in source.note


@pytest.mark.parametrize("change", ["edited", "untracked"])
def test_uncommitted_toolkit_changes_install_the_folder_and_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root = checkout(tmp_path)
    # A user's setting that hides untracked files from a plain `git status`.
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "status.showUntrackedFiles")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "no")
    name = "pyproject.toml" if change == "edited" else "new_module.py"
    (root / "toolkit" / name).write_text("# not committed\n")
    source = toolkit_source.toolkit_source("", root)
    assert source.requirement == f"alembic-steward[tasks] @ {(root / 'toolkit').as_uri()}"
    assert "(toolkit/ has uncommitted changes)" in source.note


def test_a_commit_no_remote_holds_installs_the_folder_and_says_so(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    git(root, "commit", "--quiet", "--allow-empty", "--message", "not pushed")
    source = toolkit_source.toolkit_source("", root)
    assert source.requirement.endswith((root / "toolkit").as_uri())
    assert "(the checkout's commit is on no git remote)" in source.note


def test_a_template_ignored_by_the_repository_around_it_installs_its_folder(
    tmp_path: Path,
) -> None:
    root = checkout(tmp_path, subfolder="unpacked/template")
    (root.parent.parent / ".gitignore").write_text("unpacked/\n")
    git(root.parent.parent, "rm", "-r", "--cached", "--quiet", "unpacked")
    git(root.parent.parent, "add", ".gitignore")
    git(root.parent.parent, "commit", "--quiet", "--message", "ignore the unpacked template")
    git(root.parent.parent, "push", "--quiet", "origin", "HEAD")
    source = toolkit_source.toolkit_source("", root)
    assert source.requirement.endswith((root / "toolkit").as_uri())
    assert "(toolkit/ is not in the checkout's commit)" in source.note


def test_a_folder_outside_git_installs_itself_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "toolkit").mkdir()
    source = toolkit_source.toolkit_source("", tmp_path)
    assert "(a template folder outside git)" in source.note


def test_credentials_in_the_remote_url_reach_neither_the_pin_nor_the_note(tmp_path: Path) -> None:
    root = checkout(tmp_path)
    git(root, "remote", "set-url", "origin", "https://ci:s3cret@git.example.com/team/t.git")
    source = toolkit_source.toolkit_source("", root)
    expected = f"git+https://git.example.com/team/t.git@{head(root)}#subdirectory=toolkit"
    assert source.requirement == f"alembic-steward[tasks] @ {expected}"
    assert "without the credentials in remote origin's URL" in source.note
    assert "s3cret" not in source.note and "ci:" not in source.note


def test_a_git_environment_from_another_repository_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = checkout(tmp_path / "template")
    expected = f"@{head(root)}#subdirectory=toolkit"  # read before git is pointed elsewhere
    other = checkout(tmp_path / "other", remote=False)
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other))
    assert toolkit_source.toolkit_source("", root).requirement.endswith(expected)


def test_a_stuck_git_ends_in_the_folder_and_a_note_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = checkout(tmp_path)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    # A child that outlives the killed git, holding on to whatever git's output goes to.
    (fake_bin / "git").write_text("#!/bin/sh\nsleep 20 &\nsleep 20\n")
    (fake_bin / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(toolkit_source, "GIT_TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()
    source = toolkit_source.toolkit_source("", root)
    assert time.monotonic() - started < 5
    assert "(git did not answer within 0.5 s)" in source.note


# Building the toolkit from its folder, as every bake without a git pin installs it.


def test_building_the_toolkit_writes_nothing_into_its_folder(tmp_path: Path) -> None:
    # Bakes installed side by side build this one folder at once: a backend writing build/ or
    # *.egg-info into it made one install read another's half-written files.
    toolkit = tmp_path / "toolkit"
    # The source alone: not what this checkout's own venvs and builds left there.
    made = ("build", "*.egg-info", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache")
    shutil.copytree(TOOLKIT_DIR, toolkit, ignore=shutil.ignore_patterns(*made))
    before = set(toolkit.rglob("*"))
    # pip, as `pip install -e ".[dev]"` in a bake builds it (uv builds a copy of the folder).
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", "dist", toolkit],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    written = sorted(path.relative_to(toolkit) for path in set(toolkit.rglob("*")) ^ before)
    assert written == [], written
    (wheel,) = (tmp_path / "dist").glob("alembic_steward-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assert {"alembic_steward/py.typed", "alembic_steward/_version.py"} <= shipped
    assert not [name for name in shipped if name.startswith("tests/")]


# Real bakes with the cookiecutter command, from checkouts and from served git URLs.


@pytest.fixture(scope="module")
def local_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as in this working tree, committed to a repository with no remote."""
    return template_repository(tmp_path_factory.mktemp("local") / "template")


@pytest.fixture(scope="module")
def served_template(local_checkout: Path, tmp_path_factory) -> Iterator[ServedTemplate]:
    """The checkout's repository served on 127.0.0.1 for the module's tests."""
    with served(local_checkout, tmp_path_factory.mktemp("served")) as template:
        yield template


def migrate(project: BakedProject) -> None:
    """Write a revision, apply it, and see it current: the toolkit installed works."""
    project.add_user_model()
    revision, _ = created_revision(project.inv("db.revision", "-m", "Add users").stdout)
    project.inv("db.upgrade")
    assert f"{revision} (head)" in project.inv("db.current").stdout


def test_bake_from_a_git_url_pins_its_commit_which_pip_installs(
    served_template: ServedTemplate, tmp_path: Path
) -> None:
    completed = bake(served_template.git_url, tmp_path / "out")
    project = BakedProject(baked(completed, tmp_path / "out"))
    assert toolkit_dependency(project.path) == pinned(
        served_template.git_url, served_template.commit
    )
    assert notes(completed) == []
    project.install()  # pip: uv takes no git:// URL
    migrate(project)


def test_bake_from_an_http_url_pins_its_commit_which_uv_installs(
    served_template: ServedTemplate, tmp_path: Path
) -> None:
    completed = bake(served_template.http_url, tmp_path / "out")
    project_dir = baked(completed, tmp_path / "out")
    assert toolkit_dependency(project_dir) == pinned(
        served_template.http_url, served_template.commit
    )
    migrate(install_with_uv(project_dir))


def test_bake_from_a_checkout_with_no_remote_names_its_folder_in_one_line(
    local_checkout: Path, tmp_path: Path
) -> None:
    completed = bake(local_checkout, tmp_path / "out")
    project_dir = baked(completed, tmp_path / "out")
    toolkit = local_checkout / "toolkit"
    assert toolkit_dependency(project_dir) == f"alembic-steward[tasks] @ {toolkit.as_uri()}"
    (note,) = notes(completed)
    assert note.startswith(f"note: this project installs alembic-steward from {toolkit} (")
    assert "no git remote" in note


@pytest.mark.parametrize(
    "source, answer, expected",
    [
        ("local", ">=0.1,<0.2", "alembic-steward[tasks]>=0.1,<0.2"),
        ("served", "alembic_steward[tasks] @ file:///opt/toolkit", None),
    ],
    ids=["range-over-local-folder", "requirement-over-commit-pin"],
)
def test_an_answer_overrides_the_folder_and_the_pin(
    request: pytest.FixtureRequest, tmp_path: Path, source: str, answer: str, expected: str | None
) -> None:
    if source == "local":
        template = request.getfixturevalue("local_checkout")
    else:
        template = request.getfixturevalue("served_template").http_url
    completed = bake(template, tmp_path / "out", f"toolkit_requirement={answer}")
    assert toolkit_dependency(baked(completed, tmp_path / "out")) == (expected or answer)
    assert notes(completed) == []


BAD_ANSWERS = {
    "other-distribution": ("sqlalchemy>=2", "names 'sqlalchemy', not alembic-steward"),
    "two-lines": ("alembic-steward[tasks]\nsqlalchemy", "is not one line of printable text"),
    "quote": ('alembic-steward[tasks] @ https://h/t"x', "is not a version range or a PEP 508"),
    "marker": ('alembic-steward[tasks]; python_version>"3"', "has a marker"),
    "no-tasks-extra": ("alembic-steward==0.1", "lacks the [tasks] extra"),
    "bare-version": ("0.2", "names '0.2', not alembic-steward"),
    "password": ("alembic-steward[tasks] @ https://ci:s3cret@h/t.whl", "has a password"),
}


@pytest.mark.parametrize("answer, reason", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_a_bad_answer_is_refused_in_one_line_writing_nothing(
    tmp_path: Path, answer: str, reason: str
) -> None:
    completed = bake(TEMPLATE_ROOT, tmp_path / "out", f"toolkit_requirement={answer}")
    assert completed.returncode == 1
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and errors[0].startswith("error: toolkit_requirement ")
    assert reason in errors[0]
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output and "s3cret" not in output
    assert not (tmp_path / "out" / "my_service").exists()
