"""The option matrix: every supported combination, and the checks each baked combination passes.

tests/test_matrix.py runs them, one pytest-xdist group per database.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from baked_project import BakedProject, created_revision
from servers import connect_admin

DATABASES = ("sqlite", "postgresql", "mysql")
SERVER_URL_VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
# A Jinja tag that mentions cookiecutter: GitHub's own `${{ github.ref }}` is not one.
UNRENDERED = re.compile(r"\{[{%][^}]*cookiecutter")
TOOLS = Path(sys.executable).parent


@dataclass(frozen=True)
class Combination:
    database: str
    use_async: bool
    use_makefile: bool

    @property
    def id(self) -> str:
        mode = "async" if self.use_async else "sync"
        make = "makefile" if self.use_makefile else "no-makefile"
        return f"{self.database}-{mode}-{make}"

    @property
    def answers(self) -> dict[str, str]:
        return {
            "database": self.database,
            "use_async": "yes" if self.use_async else "no",
            "use_makefile": "yes" if self.use_makefile else "no",
        }


def combinations(database: str, *, makefile_options=(False, True)) -> list:
    """Every combination for ``database``, as pytest params with readable ids."""
    params = []
    for use_async, use_makefile in itertools.product((False, True), makefile_options):
        combination = Combination(database, use_async, use_makefile)
        params.append(pytest.param(combination, id=combination.id))
    return params


def pairwise(database: str) -> list:
    """Two combinations for ``database`` that between them drive sync and async engines, the
    `make` targets and the plain `inv` tasks, alternating across the databases so that every
    pair of option values (database and engine, database and Makefile, engine and Makefile)
    is baked, migrated and tested at least once (docs/design_decisions.md, "Pairwise matrix")."""
    makefile_first = DATABASES.index(database) % 2 == 0
    pairs = ((False, makefile_first), (True, not makefile_first))
    return [
        pytest.param(combination, id=combination.id)
        for combination in (Combination(database, *pair) for pair in pairs)
    ]


def files_of(project_dir: Path) -> dict[str, bytes]:
    return {
        path.relative_to(project_dir).as_posix(): path.read_bytes()
        for path in project_dir.rglob("*")
        if path.is_file()
    }


def check_makefile_is_the_only_difference(cookies, combination: Combination) -> None:
    """The bake without a Makefile is the bake with one, minus the Makefile and its README row."""
    with_makefile = files_of(bake(cookies, combination))
    without = Combination(combination.database, combination.use_async, use_makefile=False)
    without_makefile = files_of(bake(cookies, without))
    assert "Makefile" in with_makefile
    del with_makefile["Makefile"]
    readme_lines = with_makefile.pop("README.md").decode().splitlines()
    readme_lines_without = without_makefile.pop("README.md").decode().splitlines()
    assert without_makefile == with_makefile
    only_with = [line for line in readme_lines if line not in readme_lines_without]
    assert len(only_with) == 1 and only_with[0].startswith("| `make help` |"), only_with
    assert [line for line in readme_lines if line in readme_lines_without] == readme_lines_without


def bake(cookies, combination: Combination) -> Path:
    result = cookies.bake(extra_context=combination.answers)
    assert result.exit_code == 0, result.exception
    return Path(result.project_path)


def check_static(project_dir: Path, combination: Combination) -> None:
    """Nothing unrendered, ruff clean, workflows and pre-commit config valid, no findings."""
    leftovers = [
        path.relative_to(project_dir).as_posix()
        for path in project_dir.rglob("*")
        if path.is_file() and UNRENDERED.search(path.read_text(errors="replace"))
    ]
    assert leftovers == []
    assert (project_dir / "Makefile").exists() == combination.use_makefile
    for command in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        succeed([TOOLS / command[0], *command[1:]], project_dir)
    workflows = sorted((project_dir / ".github" / "workflows").glob("*.yml"))
    assert workflows, "no workflow was baked"
    schema = ["--builtin-schema", "vendor.github-workflows"]
    succeed([TOOLS / "check-jsonschema", *schema, *workflows], project_dir)
    # --offline: no GitHub API calls; the default persona's findings all have to be resolved.
    succeed([TOOLS / "zizmor", "--offline", "--no-progress", *workflows], project_dir)
    succeed([TOOLS / "pre-commit", "validate-config", ".pre-commit-config.yaml"], project_dir)


def succeed(command: list, cwd: Path, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    assert completed.returncode == 0, f"{command}\n{completed.stdout}{completed.stderr}"
    return completed.stdout


def install_with_uv(project_dir: Path) -> BakedProject:
    """Install the bake and its dev extra into its .venv with uv: seconds instead of pip's 15."""
    project = BakedProject(project_dir)
    project.install_with_uv()
    return project


def run_in(project: BakedProject, *command: str, **env: str) -> str:
    """Run one of the project's commands, or `make`, with its virtualenv first on PATH."""
    if command[0] == "make":
        return succeed(list(command), project.path, env=project.environment(**env))
    completed = project.run(*command, env=env)
    assert completed.returncode == 0, f"{command}\n{completed.stdout}{completed.stderr}"
    return completed.stdout


def migrate_and_test(project: BakedProject, combination: Combination, url: str) -> None:
    """Autogenerate a revision, apply it, and run the baked project's own test suite."""
    project.add_user_model()
    env = {"DATABASE_URL": url, "TEST_DATABASE_URL": url}
    if combination.use_makefile:
        output = run_in(project, "make", "db-revision", "m=Add users table", **env)
    else:
        output = run_in(project, "inv", "db.revision", "-m", "Add users table", **env)
    revision, _ = created_revision(output)
    run_in(
        project,
        *(["make", "db-upgrade"] if combination.use_makefile else ["inv", "db.upgrade"]),
        **env,
    )
    assert revision in run_in(project, "alembic", "current", **env)
    # The inspecting tasks use a blocking engine even when the app's engine is asyncio.
    assert json.loads(run_in(project, "inv", "db.status", "--json", **env))["drift"] == []
    summary = run_in(project, "inv", "test", **env).strip().splitlines()[-1]
    assert re.match(r"\d+ passed", summary), summary


# Server databases, created with the template's own drivers (psycopg, PyMySQL).


def databases_on_server(database: str, url: str, prefix: str) -> list[str]:
    sql = "SELECT datname FROM pg_database" if database == "postgresql" else "SHOW DATABASES"
    connection = connect_admin(database, url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return [row[0] for row in cursor.fetchall() if row[0].startswith(prefix)]
    finally:
        connection.close()


def skip_without_server(combination: Combination) -> None:
    """Skip, saying why, when the combination's database server is not configured."""
    variable = SERVER_URL_VARIABLES.get(combination.database)
    if variable and not os.environ.get(variable):
        pytest.skip(f"{variable} is not set; no {combination.database} server to test on")


@contextmanager
def fresh_server_database(database: str, prefix: str = "matrix") -> Iterator[str]:
    """Create a database for one bake on the server; yield its plain URL; drop it after."""
    server_url = os.environ[SERVER_URL_VARIABLES[database]]
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = connect_admin(database, server_url)
    force = " WITH (FORCE)" if database == "postgresql" else ""
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name}")
        # The plain scheme, so the bake has to pick its own driver for sync or async use.
        parts = urlsplit(server_url)._replace(scheme=database, path=f"/{name}")
        yield urlunsplit(parts)
        leftovers = databases_on_server(database, server_url, f"{name}_test_")
        assert leftovers == [], "the baked tests left databases behind"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}{force}")
        admin.close()


@contextmanager
def database_for(combination: Combination, project_dir: Path) -> Iterator[str]:
    """The database a combination migrates and tests on: its server's, or a SQLite file."""
    if combination.database == "sqlite":
        yield f"sqlite:///{(project_dir / 'matrix.db').as_posix()}"
        return
    with fresh_server_database(combination.database) as url:
        yield url
