"""Hostile answers and revision messages stay data: they run no code and break no file."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest
from baked_project import BakedProject
from dev_env import DEV_VENV, TEMPLATE_ROOT, venv_executable

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

FREE_TEXT = {
    "quotes-and-backslashes": 'O\'Brien "Q" \\ back\\slash \\" \\u0041 """ \'\'\'',
    "braces-and-markup": "{curly} }{ [link](x) <b>&amp;</b> # not a heading `code`",
    "non-ascii-letters": "Señor Müller, Łódź, 東京, Ελληνικά",
    "emoji": "Rocket 🚀 service ✨ with 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "python-injection": '"); import os; os.system("touch PWNED"); ("',
}
REVISION_PAYLOADS = {
    "triple-quote-injection": '"""\nimport os; os.system("touch PWNED")\n"""',
    "trailing-backslash": "ends with a backslash \\",
    "escape-sequences": "\\N{BOGUS} \\x \\u12 \\' \\\"",
    "newlines-and-tab": "first line\nsecond line\r\n\tindented",
    "single-quote-triples": "''' + __import__('os').system('touch PWNED') + '''",
}


def bake_with_cli(output_dir: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    cookiecutter = venv_executable(DEV_VENV, "cookiecutter")
    command = [cookiecutter, "--no-input", "--output-dir", output_dir, TEMPLATE_ROOT, *answers]
    return subprocess.run(command, capture_output=True, text=True, cwd=output_dir)


@pytest.mark.parametrize("value", FREE_TEXT.values(), ids=FREE_TEXT.keys())
def test_free_text_answers_bake_into_valid_toml_python_and_markdown(cookies, value: str) -> None:
    answers = {"project_name": value, "description": value, "author_name": value}
    result = cookies.bake(extra_context={**answers, "project_slug": "hostile_service"})
    assert result.exit_code == 0, result.exception
    project_dir = Path(result.project_path)

    pyproject = tomllib.loads((project_dir / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == value
    assert pyproject["project"]["authors"] == [{"name": value}]
    for source in project_dir.rglob("*.py"):
        compile(source.read_text(encoding="utf-8"), str(source), "exec")
    readme = (project_dir / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0] == f"# {value}" and readme[2] == value
    assert not list(Path(result.project_path).parent.parent.rglob("PWNED"))


@pytest.mark.parametrize("answer", ["project_name", "description", "author_name"])
def test_multi_line_free_text_is_rejected_before_anything_is_written(
    tmp_path: Path, answer: str
) -> None:
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    completed = bake_with_cli(output_dir, "project_slug=ok_service", f"{answer}=one\ntwo")
    assert completed.returncode != 0
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {answer} 'one\\ntwo' is not one line of printable text; give one line of text"
    ]
    assert sorted(tmp_path.rglob("*")) == [output_dir]


def test_hostile_slug_runs_no_code_in_the_hook(tmp_path: Path) -> None:
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    marker = tmp_path / "PWNED"
    # Valid Python if spliced raw into `SLUG = "{{ cookiecutter.project_slug }}"`: it would
    # climb from out/<slug> to tmp_path and write PWNED there. No "/": see the README's Safety.
    chdir_up = '__import__("os").chdir("..")'
    slug = f'x" + str([{chdir_up}, {chdir_up}, open("PWNED", "w")]) + "'
    completed = bake_with_cli(output_dir, f"project_slug={slug}")
    assert completed.returncode != 0
    assert "is not a lowercase Python identifier" in completed.stderr
    assert not marker.exists()
    assert sorted(tmp_path.rglob("*")) == [output_dir]


@pytest.mark.parametrize(
    "slug", ["conftest", "greenlet", "mako", "typing_extensions", "migrations"]
)
def test_slug_shadowing_a_dependency_or_own_package_is_rejected(tmp_path: Path, slug: str) -> None:
    completed = bake_with_cli(tmp_path, f"project_slug={slug}")
    assert completed.returncode != 0
    assert f"project_slug '{slug}' would shadow a package the project uses" in completed.stderr
    assert list(tmp_path.iterdir()) == []


def written_revision(project: BakedProject) -> Path:
    (path,) = (project.path / "app/migrations/versions").glob("*.py")
    return path


def revision_files(project: BakedProject) -> set[Path]:
    return set((project.path / "app/migrations/versions").glob("*.py"))


# Every payload through one command, each in a revision of its own on one chain: ruff and the
# upgrade then read and run all of them at once, instead of one bake reset per payload.
@pytest.mark.parametrize(
    "command", [["inv", "db.revision", "--empty", "-m"], ["alembic", "revision", "-m"]]
)
def test_revision_message_is_only_ever_docstring_text(
    project: BakedProject, command: list[str]
) -> None:
    for name, payload in REVISION_PAYLOADS.items():
        before = revision_files(project)
        completed = project.run(*command, payload)
        assert completed.returncode == 0, f"{name}: {completed.stderr}"
        (written,) = revision_files(project) - before
        module = ast.parse(written.read_text(encoding="utf-8"))
        assert ast.get_docstring(module, clean=False).startswith(payload), name
    assert len(revision_files(project)) == len(REVISION_PAYLOADS)
    linted = project.run("ruff", "check", ".")
    assert linted.returncode == 0, linted.stdout

    upgraded = project.run("inv", "db.upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert project.run("inv", "db.current").stdout.startswith(f"{module_revision(written)} (head)")
    assert not list(project.path.rglob("PWNED"))


def module_revision(path: Path) -> str:
    """The `revision` id a revision file declares."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "revision":
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path} declares no revision id")


# Path-like `-r` values and `--rev-id` values that are not plain names are the toolkit's rules:
# toolkit/tests/test_revision_arguments.py runs them against its fixture service.


def test_chosen_revision_id_names_the_revision(project: BakedProject) -> None:
    project.add_user_model()
    written = project.run("inv", "db.revision", "-m", "Add users", "--rev-id", "0001_add_users")
    assert written.returncode == 0, written.stderr
    assert "Created revision 0001_add_users: app/migrations/versions/" in written.stdout
    assert 'revision: str = "0001_add_users"' in written_revision(project).read_text()
    assert project.run("inv", "db.upgrade").returncode == 0
    assert project.run("inv", "db.current").stdout.startswith("0001_add_users (head)")


def test_project_folder_named_with_shell_syntax_is_never_run_as_code(
    project: BakedProject, tmp_path: Path
) -> None:
    # The shell sees the project's path when `inv lint` runs ruff; a folder is a user value too.
    hostile = tmp_path / "x;touch PWNED;$(touch PWNED2)" / "my_service"
    not_copied = shutil.ignore_patterns(".venv", "*.egg-info", ".git")
    shutil.copytree(project.path, hostile, ignore=not_copied)
    # `python -m invoke` puts the copy first on sys.path, so its tasks and app/ are the ones run.
    lint = [project.executable("python"), "-m", "invoke", "lint"]
    completed = subprocess.run(
        lint, cwd=hostile, env=project.environment(), capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "All checks passed" in completed.stdout
    assert not [path for path in tmp_path.rglob("PWNED*")]
