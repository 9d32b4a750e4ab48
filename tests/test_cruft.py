"""A service made with `cruft create` can check for template changes and pull them in, including
a service baked before its migration machinery moved into the toolkit (alembic-steward)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from baked_project import BakedProject, created_revision
from cruft_services import (
    add_seeded_admin,
    all_files,
    answers_of,
    baked_service,
    cruft,
    cruft_create,
    git,
    install,
    release_working_tree,
    team_environment,
    template_repository,
    tracked_files,
    update_cleanly,
)
from matrix_checks import SERVER_URL_VARIABLES, fresh_server_database
from servers import BOOKKEEPING_TABLES, ServerDatabase

# The last template commit whose bakes carried the migration machinery themselves.
LAST_BEFORE_TOOLKIT = "173f3c247e4bece81d85c0046dbf4d8de184306b"
# The oldest commit with today's project folder and today's local_extensions.py.
OLDEST_PROJECT_FOLDER = "59f6fac88d0cab320cc4a915ae71fcb39bd448e0"
# The eras before it: the first commit (no Jinja extensions), local_extensions.py with
# toml_string alone (the folder was `{{cookiecutter.project_slug}}` then too), and a project
# folder named `{{folder_name(cookiecutter.project_slug)}}`.
EARLIER_ERAS = {
    "first-commit": "72f22fcb57d4b3abe3e24c417ab8bf8b48a75272",
    "toml-string-alone": "b4e83f675f65709b272072137cdce2d00277759d",
    "folder-name-folder": "fe2ad4c75772d3e6a33f0a2f21c1bb8871572adb",
}


def walk(commit: str, database: str, name: str):
    """A service baked at ``commit`` for ``database``; a test id and an xdist group of its own."""
    test_id = f"{database}-from-{name}"
    return pytest.param(commit, database, id=test_id, marks=pytest.mark.xdist_group(test_id))


@contextmanager
def service_database(
    database: str, service: Path
) -> Iterator[tuple[dict[str, str], ServerDatabase]]:
    """The service's own database: the SQLite file it uses by default, or a fresh server one."""
    if database == "sqlite":
        # No DATABASE_URL: the service keeps using the file its old settings chose.
        yield {}, ServerDatabase("sqlite", f"sqlite:///{(service / 'my_service.db').as_posix()}")
        return
    variable = SERVER_URL_VARIABLES[database]
    if not os.environ.get(variable):
        pytest.skip(f"{variable} is not set; no {database} server to test on")
    with fresh_server_database(database, prefix="cruft") as url:
        yield {"DATABASE_URL": url, "TEST_DATABASE_URL": url}, ServerDatabase(database, url)


def bookkeeping(db: ServerDatabase) -> dict[str, list[tuple]]:
    """The rows of every bookkeeping table the database has (revisions, checksums, environment)."""
    tables = sorted(db.tables() & BOOKKEEPING_TABLES)
    return {table: sorted(db.query(f"SELECT * FROM {table}")) for table in tables}


def differences_from_a_fresh_bake(
    service: Path, template: Path, team: dict[str, str], own_files: set[str]
) -> list[str]:
    """The files, but the service's own, in which it differs from a fresh bake of the template."""
    fresh_bake = cruft_create(template, service.parent.parent / "fresh", team, answers_of(service))
    fresh, now = all_files(fresh_bake), tracked_files(service)
    names = (now.keys() | fresh.keys()) - own_files
    return sorted(name for name in names if now.get(name) != fresh.get(name))


@pytest.mark.parametrize(
    ("baked_at", "database"),
    # The last commit before the toolkit on a server (its database kept across the update is the
    # stronger case), the oldest project folder on SQLite; the last commit on SQLite too took
    # two minutes of CI for nothing the two do not cover.
    [
        walk(OLDEST_PROJECT_FOLDER, "sqlite", "oldest-project-folder"),
        walk(LAST_BEFORE_TOOLKIT, "postgresql", "last-commit-before-toolkit"),
    ],
)
def test_a_service_baked_before_the_toolkit_follows_with_cruft_update_and_keeps_its_database(
    baked_at: str, database: str, tmp_path: Path
) -> None:
    team = team_environment(tmp_path / "team")
    template = template_repository(tmp_path / "template", baked_at)
    answers = {"database": database, "use_makefile": False}
    service = BakedProject(baked_service(template, tmp_path / "services", team, answers))
    baked = tracked_files(service.path)
    install(service, new_venv=True)
    with service_database(database, service.path) as (env, db):
        # The service's life on the old template: a model, its revision applied, a seed row.
        service.add_user_model()
        seeds = (service.path / "app" / "seeds.py").exists()  # baked since 7ec17ff
        if seeds:
            add_seeded_admin(service)
        service.inv("db.revision", "-m", "Add users table", env=env)
        service.inv("db.upgrade", env=env)
        if seeds:
            service.inv("db.seed", env=env)
        git(service.path, "add", "--all")
        git(service.path, "commit", "--quiet", "--message", "Users")
        lived = tracked_files(service.path)
        own_files = {name for name, text in lived.items() if baked.get(name) != text}
        kept = bookkeeping(db)
        assert {"alembic_version", "alembic_environment"} <= kept.keys()

        release = release_working_tree(template)
        update_cleanly(service.path, team)
        # What the team finds: its own files as it left them, every other file as a fresh bake
        # of the release has it (machinery the toolkit now holds deleted, the wiring new).
        now = tracked_files(service.path)
        assert {name: now.get(name) for name in own_files} == {n: lived[n] for n in own_files}
        assert differences_from_a_fresh_bake(service.path, template, team, own_files) == []
        # cruft rendered the release with the old commit's local_extensions module; its
        # toolkit_source, new in the release, came from the release: it pinned that commit.
        pin = f"alembic-steward[tasks] @ git+{template.as_uri()}@{release}#subdirectory=toolkit"
        assert f'"{pin}"' in (service.path / "pyproject.toml").read_text()

        # The README's steps after the update, on the database the old machinery migrated.
        install(service, new_venv=False)
        service.inv("db.status", env=env)
        upgrade = service.inv("db.upgrade", env=env)
        assert "Running upgrade" not in upgrade.stdout + upgrade.stderr
        assert {table: bookkeeping(db).get(table) for table in kept} == kept
        service.add_user_name_column()
        output = service.inv("db.revision", "-m", "Add user names", env=env).stdout
        revision, _ = created_revision(output)
        service.inv("db.upgrade", env=env)
        assert db.revisions() == {revision}
        assert "name" in db.columns("users")
        assert "alembic_revision_checksums" in db.tables()
        service.inv("db.seed", env=env)
        service.inv("test", env=env)
        service.inv("lint")


@pytest.mark.parametrize("baked_at", EARLIER_ERAS.values(), ids=EARLIER_ERAS.keys())
def test_a_service_of_an_earlier_era_updates_into_a_fresh_bake_of_the_release(
    baked_at: str, tmp_path: Path
) -> None:
    team = team_environment(tmp_path / "team")
    template = template_repository(tmp_path / "template", baked_at)
    service = baked_service(template, tmp_path / "services", team, {})
    release_working_tree(template)
    update_cleanly(service, team)
    assert differences_from_a_fresh_bake(service, template, team, own_files=set()) == []


def test_cruft_created_service_stays_checkable_and_pulls_in_template_changes(
    tmp_path: Path,
) -> None:
    team = team_environment(tmp_path / "team")
    template = template_repository(tmp_path / "template", LAST_BEFORE_TOOLKIT)
    release = release_working_tree(template)
    service = baked_service(template, tmp_path / "services", team, {"use_makefile": False})
    assert cruft(service, team, "check").returncode == 0

    readme = template / "{{cookiecutter.project_slug}}" / "README.md"
    readme.write_text(readme.read_text() + "\nA template improvement.\n")
    git(template, "commit", "--quiet", "--all", "--message", "improve the README")
    assert cruft(service, team, "check").returncode == 1

    update_cleanly(service, team)
    assert (service / "README.md").read_text().endswith("A template improvement.\n")
    assert not (service / "Makefile").exists(), "the update must keep the answers given"
    # The toolkit pin follows the template, though cruft reused the filter of the old render.
    improved = git(template, "rev-parse", "HEAD").strip()
    pyproject = (service / "pyproject.toml").read_text()
    assert f"@{improved}#subdirectory=toolkit" in pyproject and release not in pyproject
