"""The wiring's options reach every run: extra `context.configure` options, the lock timeout."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on


def wire(project: Project, option: str) -> None:
    wiring = project.path / "app" / "migrations" / "__init__.py"
    source = wiring.read_text().replace("    __name__,\n", f"    __name__,\n    {option},\n")
    wiring.write_text(source)


@only_on(
    "sqlite",
    "mysql",
    why="MySQL/MariaDB's half-applied mark tells the version table's statements apart by name",
)
def test_context_options_reach_every_run(project: Project, database: ServerDatabase) -> None:
    wire(project, 'context_options={"version_table": "service_versions"}')
    project.write_revision("r1.py", revision_source("r1", None, "    pass"))
    project.inv("db.upgrade", env={"DATABASE_URL": database.url})
    assert "service_versions" in database.tables()
    assert "alembic_version" not in database.tables()


def test_the_wired_lock_timeout_is_the_default_the_environment_overrides(
    project: Project,
) -> None:
    wire(project, "lock_timeout=7.5")
    read = (
        "from alembic_steward.runtime._migration_lock_timeout import lock_timeout_seconds as t;"
        " print(t())"
    )
    assert project.run("python", "-c", read).stdout.strip() == "7.5"
    overridden = project.run("python", "-c", read, env={"MIGRATION_LOCK_TIMEOUT": "3"})
    assert overridden.stdout.strip() == "3.0"
