"""Which environments are protected: every name but the development ones, unless a project lists.

`APP_ENV=prod inv db.reset` once dropped every table because only `production` was protected.
The default now protects every environment except development, dev, local, test, testing and
ci; a list in the wiring, invoke.yaml or INVOKE_DB_PROTECTED_ENVIRONMENTS replaces that rule.
"""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import ServerDatabase, only_on

CREATE_NOTES = '    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True))'
DROP_NOTES = '    op.drop_table("notes")'
PRODUCTION_NAMES = ["prod", "prd", "live", "production-eu", "PROD", "staging", "qa"]
DEVELOPMENT_NAMES = ["development", "dev", "local", "test", "testing", "ci", "Dev"]


def with_one_revision(project: Project, **env: str) -> None:
    """Write and apply one revision creating `notes`, recording the environment ``env`` gives."""
    project.write_revision("r1.py", revision_source("r1", None, CREATE_NOTES, DROP_NOTES))
    project.inv("db.upgrade", env=env)


def wire_protected_list(project: Project, names: tuple[str, ...]) -> None:
    """Give the copy's Steward a `protected_environments` list, as a service's wiring would."""
    wiring = project.path / "app" / "migrations" / "__init__.py"
    source = wiring.read_text()
    wired = source.replace(
        '    sample_rows="tests.migration_rows:SAMPLE_VALUES",\n',
        '    sample_rows="tests.migration_rows:SAMPLE_VALUES",\n'
        f"    protected_environments={names!r},\n",
    )
    assert wired != source
    wiring.write_text(wired)


@only_on(
    "sqlite",
    "mysql",
    why="the refusal reads APP_ENV alike everywhere; test_tasks_reset resets each database",
)
def test_reset_refuses_a_database_whose_app_env_means_production(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    with_one_revision(project, **env)
    refused = project.inv("db.reset", code=1, env={**env, "APP_ENV": "prod"}).stderr
    assert refused.startswith("error: refusing to reset a prod database (protected environment)")
    assert len(refused.strip().splitlines()) == 1
    assert "notes" in database.model_tables()
    project.inv("db.reset", "--yes", env={**env, "APP_ENV": "prod"})


@only_on(
    "sqlite",
    "mysql",
    why="the recorded environment is read by the same SQLAlchemy query on every database",
)
def test_raw_alembic_refuses_to_downgrade_a_database_recorded_as_live(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    with_one_revision(project, **env, APP_ENV="live")
    refused = project.run("alembic", "downgrade", "-1", env=env)
    assert refused.returncode != 0
    assert "refusing to downgrade a live database" in refused.stdout + refused.stderr
    assert "alembic -x confirm=live downgrade" in refused.stdout + refused.stderr
    assert database.revisions() == {"r1"}
    confirmed = project.run("alembic", "-x", "confirm=live", "downgrade", "-1", env=env)
    assert confirmed.returncode == 0, confirmed.stdout + confirmed.stderr
    assert database.revisions() == set()


@pytest.mark.parametrize("name", PRODUCTION_NAMES)
def test_every_environment_but_the_development_ones_is_protected(
    project: Project, name: str
) -> None:
    refused = project.inv("db.reset", code=1, env={"APP_ENV": name}).stderr
    assert f"refusing to reset a {name} database" in refused


@pytest.mark.parametrize("name", DEVELOPMENT_NAMES)
def test_development_environments_are_not_protected(project: Project, name: str) -> None:
    assert "Migrated to head" in project.inv("db.reset", env={"APP_ENV": name}).stdout


def test_raw_alembic_leaves_a_database_recorded_as_development_unguarded(
    project: Project,
) -> None:
    with_one_revision(project, APP_ENV="dev")
    completed = project.run("alembic", "downgrade", "-1", env={"APP_ENV": "ci"})
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_list_in_invoke_yaml_replaces_the_default_rule(project: Project) -> None:
    (project.path / "invoke.yaml").write_text("db:\n  protected_environments: [qa]\n")
    with_one_revision(project, APP_ENV="staging")
    project.inv("db.redo")
    refused = project.inv("db.redo", code=1, env={"APP_ENV": "qa"}).stderr
    assert "refusing to redo a qa database" in refused
    assert project.run("alembic", "downgrade", "-1").returncode == 0


def test_a_list_in_the_environment_replaces_the_default_rule(project: Project) -> None:
    with_one_revision(project, APP_ENV="staging")
    listed = {"INVOKE_DB_PROTECTED_ENVIRONMENTS": "qa,production"}
    project.inv("db.redo", env=listed)
    refused = project.inv("db.redo", code=1, env={**listed, "APP_ENV": "Production"}).stderr
    assert "refusing to redo a Production database" in refused
    assert project.run("alembic", "downgrade", "-1", env=listed).returncode == 0


def test_a_list_in_the_wiring_replaces_the_default_rule_for_tasks_and_raw_alembic(
    project: Project,
) -> None:
    wire_protected_list(project, ("qa",))
    with_one_revision(project, APP_ENV="staging")
    project.inv("db.redo")
    assert (
        "refusing to redo a qa database"
        in project.inv("db.redo", code=1, env={"APP_ENV": "qa"}).stderr
    )
    refused = project.run("alembic", "stamp", "base", env={"APP_ENV": "qa"})
    assert "alembic -x confirm=qa stamp" in refused.stdout + refused.stderr
    assert project.run("alembic", "downgrade", "-1").returncode == 0


def test_the_environment_variable_wins_over_the_wiring(project: Project) -> None:
    wire_protected_list(project, ("qa",))
    with_one_revision(project)
    listed = {"INVOKE_DB_PROTECTED_ENVIRONMENTS": "staging"}
    project.inv("db.redo", env={**listed, "APP_ENV": "qa"})
    assert (
        "staging database"
        in project.inv("db.redo", code=1, env={**listed, "APP_ENV": "staging"}).stderr
    )


def test_an_empty_list_is_still_refused_rather_than_read_as_protect_nothing(
    project: Project,
) -> None:
    with_one_revision(project)
    emptied = {"INVOKE_DB_PROTECTED_ENVIRONMENTS": " , "}
    refused = project.inv("db.reset", code=1, env={**emptied, "APP_ENV": "prod"}).stderr
    assert "protected environment list is empty" in refused
