"""Each revision is expand or contract; `upgrade --phase expand` stops before the first contract."""

from __future__ import annotations

import pytest
from made_revisions import phased_revisions
from project import Project, one_error_line, revision_source
from servers import ServerDatabase

from alembic_steward.runtime._phase_labels import label_in_text


def test_a_model_change_that_adds_and_drops_is_written_as_expand_then_contract() -> None:
    _, expand, contract = phased_revisions()
    assert label_in_text(expand.source) == "expand"
    adds = upgrade_body(expand.source)
    assert 'add_column(sa.Column("nickname"' in adds and "drop_column" not in adds
    assert label_in_text(contract.source) == "contract"
    drops = upgrade_body(contract.source)
    assert 'drop_column("name")' in drops and "nickname" not in drops
    assert f'down_revision: str | Sequence[str] | None = "{expand.revision}"' in contract.source


def test_a_change_that_only_adds_is_one_expand_revision() -> None:
    initial, _, _ = phased_revisions()
    assert label_in_text(initial.source) == "expand"


def test_a_blank_revision_is_labelled_contract_until_its_author_says_otherwise(
    project: Project,
) -> None:
    project.inv("db.revision", "-m", "By hand", "--empty")
    (written,) = project.versions.glob("*.py")
    assert label_in_text(written.read_text()) == "contract"


def test_the_expand_phase_applies_only_the_expand_revision_and_records_phases(
    project: Project, database: ServerDatabase
) -> None:
    initial, expand, contract = (made.copy_to(project) for made in phased_revisions())
    env = {"DATABASE_URL": database.url}
    output = project.inv("db.upgrade", "--phase", "expand", env=env).stdout
    assert f"Applied the expand phase up to {expand}; contract revision {contract}" in output
    assert database.query("SELECT version_num FROM alembic_version") == [(expand,)]
    phases = dict(database.query("SELECT revision, phase FROM alembic_revision_phases"))
    assert phases == {initial: "expand", expand: "expand"}
    # Run again, it applies nothing: the contract revision waits for its own phase.
    again = project.inv("db.upgrade", "--phase", "expand", env=env).stdout
    assert f"No expand revision pending; contract revision {contract} is pending" in again
    module = project.run(
        "python", "-m", "app.migrations", "upgrade", "--phase", "contract", env=env
    )
    assert module.returncode == 0, module.stderr
    assert database.query("SELECT version_num FROM alembic_version") == [(contract,)]
    phases = dict(database.query("SELECT revision, phase FROM alembic_revision_phases"))
    assert phases[contract] == "contract"


def test_a_downgrade_forgets_the_phase_of_what_it_reverts(project: Project) -> None:
    initial, expand, _ = (made.copy_to(project) for made in phased_revisions())
    project.inv("db.upgrade")
    project.inv("db.downgrade", "-r", expand, "--yes")
    with project.imported():
        from alembic_steward._wiring import get_blocking_engine
        from alembic_steward.runtime._phase_records import recorded_phases

        with get_blocking_engine().connect() as connection:
            assert recorded_phases(connection) == {initial: "expand", expand: "expand"}


def test_the_phase_table_is_filled_for_revisions_applied_before_it_existed(
    project: Project, database: ServerDatabase
) -> None:
    initial, expand, _ = phased_revisions()
    first = initial.copy_to(project)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", env=env)
    database.query("DROP TABLE alembic_revision_phases")  # as a database older than phases
    second = expand.copy_to(project)
    project.inv("db.upgrade", env=env)
    phases = dict(database.query("SELECT revision, phase FROM alembic_revision_phases"))
    assert phases == {first: "expand", second: "expand"}


@pytest.mark.parametrize("command", ["inv", "module"])
def test_an_expand_revision_after_a_pending_contract_one_is_refused_and_nothing_runs(
    project: Project, command: str
) -> None:
    drop = revision_source("c1", None, "    op.create_table('t', sa.Column('id', sa.Integer))")
    project.write_revision("c1.py", drop)  # unlabelled: counts as contract
    add = revision_source("e2", "c1", "    op.create_table('u', sa.Column('id', sa.Integer))")
    project.write_revision("e2.py", add + 'phase = "expand"\n')
    argv = (
        ["inv", "db.upgrade", "--phase", "expand"]
        if command == "inv"
        else ["python", "-m", "app.migrations", "upgrade", "--phase", "expand"]
    )
    completed = project.run(*argv)
    assert completed.returncode == 1
    line = one_error_line(completed.stderr)
    assert "expand revision e2 comes after contract revision c1, which is pending" in line
    assert "nothing was run" in line
    assert not list(project.path.glob("*.db")) or "alembic_version" not in sqlite_tables(project)


def upgrade_body(source: str) -> str:
    return source.partition("def upgrade()")[2].partition("def downgrade()")[0]


def sqlite_tables(project: Project) -> set[str]:
    import sqlite3

    (file,) = project.path.glob("*.db")
    with sqlite3.connect(file) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}
