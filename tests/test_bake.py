"""Baking the template gives a complete, lint-clean project with nothing left unrendered."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

RUFF = [sys.executable, "-m", "ruff"]


def test_defaults_bake_into_a_folder_named_by_the_derived_slug(default_bake: Path) -> None:
    assert default_bake.name == "my_service"


def test_slug_is_derived_from_the_project_name(cookies) -> None:
    result = cookies.bake(extra_context={"project_name": "Billing Gate-Way"})
    assert result.exit_code == 0, result.exception
    assert Path(result.project_path).name == "billing_gate_way"


def test_no_file_keeps_an_unrendered_cookiecutter_variable(default_bake: Path) -> None:
    leftovers = [
        path
        for path in default_bake.rglob("*")
        if path.is_file() and "{{ cookiecutter." in path.read_text(errors="replace")
    ]
    assert leftovers == []


@pytest.mark.parametrize(
    "relative_path",
    [
        "pyproject.toml",
        "alembic.ini",
        "README.md",
        ".gitignore",
        ".env.example",
        "app/models.py",
        "app/settings.py",
        "app/migrations/env.py",
        "app/migrations/script.py.mako",
        "app/migrations/versions",
        "tasks/__init__.py",
        "app/migrations/__init__.py",
        "app/migrations/__main__.py",
        "tests/test_migrations.py",
    ],
)
def test_bake_contains_the_initialised_project_layout(
    default_bake: Path, relative_path: str
) -> None:
    assert (default_bake / relative_path).exists()


def test_app_top_level_holds_only_the_services_own_code(default_bake: Path) -> None:
    top_level = {path.name for path in (default_bake / "app").iterdir()}
    top_level.discard("__pycache__")
    own_code = {
        "__init__.py",
        "settings.py",
        "database.py",
        "models.py",
        "seeds.py",
    }
    assert top_level == own_code | {"migrations"}


def test_no_baked_python_file_grows_past_250_lines(default_bake: Path) -> None:
    too_long = {
        str(path.relative_to(default_bake)): length
        for path in default_bake.rglob("*.py")
        if (length := len(path.read_text().splitlines())) > 250
    }
    assert too_long == {}


# Every Python file a bake holds: the team's own code and the few lines wiring it to the
# toolkit. Machinery a team would never edit lives in alembic-steward (toolkit/).
THIN_PROJECT = {
    "app/__init__.py",
    "app/database.py",
    "app/models.py",
    "app/seeds.py",
    "app/settings.py",
    "app/migrations/__init__.py",
    "app/migrations/__main__.py",
    "app/migrations/env.py",
    "tasks/__init__.py",
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/migration_rows.py",
    "tests/test_database.py",
    "tests/test_migrations.py",
}


@pytest.mark.parametrize("database", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize("use_async", ["no", "yes"])
def test_bake_holds_only_the_teams_code_and_its_wiring(
    cookies, database: str, use_async: str
) -> None:
    result = cookies.bake(extra_context={"database": database, "use_async": use_async})
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    python_files = {str(path.relative_to(project)) for path in project.rglob("*.py")}
    assert python_files == THIN_PROJECT
    lines = sum(len((project / name).read_text().splitlines()) for name in python_files)
    assert lines <= 600, f"{lines} lines of Python in the bake"
    env_py = (project / "app/migrations/env.py").read_text()
    assert len(env_py.splitlines()) <= 70


def test_mako_template_is_copied_verbatim_for_alembic_to_render(default_bake: Path) -> None:
    assert (
        "${message | docstring_text}"
        in (default_bake / "app/migrations/script.py.mako").read_text()
    )


def test_pyproject_declares_runtime_dependencies_and_a_dev_extra(default_bake: Path) -> None:
    project = tomllib.loads((default_bake / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"])
    for dependency in ("alembic-steward[tasks]", "sqlalchemy"):
        assert dependency in runtime
    assert any(dev.startswith("pytest") for dev in project["optional-dependencies"]["dev"])
    assert project["requires-python"] == ">=3.11"


def test_alembic_config_points_at_app_migrations(default_bake: Path) -> None:
    pyproject = tomllib.loads((default_bake / "pyproject.toml").read_text())
    assert pyproject["tool"]["alembic"]["script_location"] == "%(here)s/app/migrations"


def test_gitignore_keeps_secrets_and_local_databases_out_of_git(default_bake: Path) -> None:
    ignored = (default_bake / ".gitignore").read_text().splitlines()
    for pattern in (".env", "*.db", ".venv/"):
        assert pattern in ignored


def test_gitignore_leaves_out_the_lock_files_beside_a_sqlite_database(
    default_bake: Path, tmp_path: Path
) -> None:
    """A tester found the backfill runners' lock files (a tenant's too) listed by `git status`."""
    repository = tmp_path / "bake"
    shutil.copytree(default_bake, repository)
    subprocess.run(["git", "init", "-q"], cwd=repository, check=True)
    locks = [
        "app.db-migration-lock",
        "app.db-backfill-users_lower-lock",
        "app_acme.db-backfill-acme-users_lower-lock",
    ]
    for name in locks:
        (repository / name).touch()
    checked = subprocess.run(
        ["git", "check-ignore", *locks], cwd=repository, capture_output=True, text=True
    )
    assert checked.stdout.split() == locks, checked.stdout + checked.stderr


@pytest.mark.parametrize("ruff_command", [["check"], ["format", "--check"]], ids=" ".join)
def test_baked_project_is_ruff_clean(default_bake: Path, ruff_command: list[str]) -> None:
    completed = subprocess.run(
        [*RUFF, *ruff_command, "."], cwd=default_bake, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_python_version_sets_requires_python_and_ruff_target(cookies) -> None:
    result = cookies.bake(extra_context={"python_version": "3.13"})
    assert result.exit_code == 0, result.exception
    pyproject = tomllib.loads((Path(result.project_path) / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.13"
    assert pyproject["tool"]["ruff"]["target-version"] == "py313"


# The toolkit's own tests drive a fixture service (toolkit/tests/fixture_project) in place of a
# bake; these files must be the bake's own, or those tests would test something no team has.
FIXTURE_PROJECT = Path(__file__).resolve().parent.parent / "toolkit/tests/fixture_project"
WIRING_FILES = [
    "alembic.ini",
    "app/__init__.py",
    "app/models.py",
    "app/seeds.py",
    "app/migrations/__init__.py",
    "app/migrations/__main__.py",
    "app/migrations/env.py",
    "app/migrations/script.py.mako",
    "tasks/__init__.py",
    "tests/conftest.py",
    "tests/migration_rows.py",
    "tests/test_migrations.py",
]


@pytest.mark.parametrize("relative_path", WIRING_FILES)
def test_toolkit_fixture_service_wires_the_toolkit_exactly_as_a_bake_does(
    default_bake: Path, relative_path: str
) -> None:
    baked = (default_bake / relative_path).read_text()
    assert (FIXTURE_PROJECT / relative_path).read_text() == baked
