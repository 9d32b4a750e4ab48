"""Each revision is expand or contract; `upgrade --phase expand` stops before the first contract."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from made_revisions import branch_into_two_heads, phased_revisions, replace_name_with_nickname
from project import Project, created_revisions, one_error_line, revision_source
from servers import ServerDatabase, only_on

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


@only_on(
    "sqlite",
    "mysql",
    why="phase records are read by the same queries everywhere; MySQL/MariaDB's mark besides",
)
def test_status_after_the_expand_phase_advises_the_contract_phase_not_a_plain_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    _, expand, contract = (made.copy_to(project) for made in phased_revisions())
    # Production: an environment a rolling deploy may serve (any but the development ones).
    env = {"DATABASE_URL": database.url, "APP_ENV": "production"}
    before = status_json(project, env)
    assert before["expand_phase_applied"] is False
    assert before["pending_contract_revisions"] == []
    project.inv("db.upgrade", "--phase", "expand", env=env)
    table = project.inv("db.status", code=2, env=env).stdout
    (verdict,) = [line for line in table.splitlines() if line.startswith("status:")]
    # A plain `inv db.upgrade` would run the contract revision under the old release's pods.
    assert "run `inv db.upgrade`" not in verdict, verdict
    assert f"no expand revision is pending (the database is at {expand})" in verdict, verdict
    assert f"contract revision {contract} is pending" in verdict, verdict
    assert (
        "once every replica runs the new code, run `inv db.upgrade --phase contract`" in verdict
    ), verdict
    document = status_json(project, env)
    assert document["expand_phase_applied"] is True
    assert document["pending_contract_revisions"] == [contract]
    assert document["exit_code"] == 2


@only_on(
    "sqlite",
    "mysql",
    why="the advice is the same on every database; MySQL/MariaDB's mark is read besides",
)
def test_on_a_development_database_pending_contract_revisions_are_advised_a_plain_upgrade(
    project: Project, database: ServerDatabase
) -> None:
    # A blank revision is labelled contract: on a development database nothing waits between
    # the phases, and the plain upgrade is what to run.
    _, _, contract = (made.copy_to(project) for made in phased_revisions())
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "--phase", "expand", env=env)
    table = project.inv("db.status", code=2, env=env).stdout
    (verdict,) = [line for line in table.splitlines() if line.startswith("status:")]
    # Said in the rolling deploy's terms, why its contract phase need not wait here.
    assert verdict == (
        "status:  pending migrations: run `inv db.upgrade` (only contract revision"
        f" {contract} is pending: a rolling deploy applies it with `--phase contract` once every"
        " replica runs the new code, but no rolling deploy serves a development database)"
    ), verdict
    assert status_json(project, env)["pending_contract_revisions"] == [contract]
    project.inv("db.upgrade", env=env)
    assert database.query("SELECT version_num FROM alembic_version") == [(contract,)]


def status_json(project: Project, env: dict[str, str]) -> dict:
    import json

    completed = project.run("inv", "db.status", "--json", env=env)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    return json.loads(completed.stdout)


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


def phase_cases() -> list[tuple[str, object, str]]:
    import sqlalchemy as sa
    from alembic.operations import ops

    def alter(**changes: object) -> object:
        return ops.AlterColumnOp("users", "email", **changes)

    return [
        ("nullable column", ops.AddColumnOp("users", sa.Column("a", sa.String())), "expand"),
        (
            "NOT NULL column with a server default",
            ops.AddColumnOp(
                "users", sa.Column("a", sa.Integer, nullable=False, server_default="0")
            ),
            "expand",
        ),
        (
            "NOT NULL column without a default",
            ops.AddColumnOp("users", sa.Column("a", sa.Integer, nullable=False)),
            "contract",
        ),
        ("NOT NULL without a default", alter(modify_nullable=False), "contract"),
        (
            "NOT NULL with a default",
            alter(modify_nullable=False, existing_server_default="x"),
            "expand",
        ),
        ("nullable again", alter(modify_nullable=True), "expand"),
        ("longer string", alter(existing_type=sa.String(50), modify_type=sa.String(99)), "expand"),
        (
            "shorter string",
            alter(existing_type=sa.String(99), modify_type=sa.String(5)),
            "contract",
        ),
        ("wider integer", alter(existing_type=sa.Integer(), modify_type=sa.BigInteger()), "expand"),
        (
            "narrower integer",
            alter(existing_type=sa.BigInteger(), modify_type=sa.Integer()),
            "contract",
        ),
        ("other type", alter(existing_type=sa.String(9), modify_type=sa.Integer()), "contract"),
        ("renamed column", alter(modify_name="mail"), "contract"),
        ("new index", ops.CreateIndexOp("ix_a", "users", ["a"]), "expand"),
        ("dropped index", ops.DropIndexOp("ix_a", "users"), "contract"),
        ("dropped table", ops.DropTableOp("users"), "contract"),
        ("raw SQL", ops.ExecuteSQLOp("UPDATE users SET a = 1"), "contract"),
    ]


@pytest.mark.parametrize(("name", "operation", "phase"), phase_cases(), ids=lambda v: v)
def test_each_operation_belongs_to_the_phase_the_rules_say(
    name: str, operation: object, phase: str
) -> None:
    from alembic_steward.runtime._phase_rules import operation_phase

    assert operation_phase(operation) == phase, name


def test_an_index_redefined_under_its_name_stays_whole_in_the_contract_revision() -> None:
    from alembic.operations import ops

    from alembic_steward.runtime._phase_split import split_by_phase

    drop = ops.DropIndexOp("ix_a", "users")
    create = ops.CreateIndexOp("ix_a", "users", ["a", "b"])
    added = ops.CreateIndexOp("ix_c", "users", ["c"])
    table = ops.ModifyTableOps("users", [drop, create, added])
    expand, contract = split_by_phase(ops.UpgradeOps([table]))
    assert [op.ops for op in expand] == [[added]]
    assert [op.ops for op in contract] == [[drop, create]]


def test_an_asyncio_service_runs_the_expand_phase_and_records_it(async_project: Project) -> None:
    initial, expand, contract = (made.copy_to(async_project) for made in phased_revisions())
    output = async_project.inv("db.upgrade", "--phase", "expand").stdout
    assert f"Applied the expand phase up to {expand}; contract revision {contract}" in output
    with async_project.imported():
        from alembic_steward._wiring import get_blocking_engine
        from alembic_steward.runtime._phase_records import recorded_phases

        with get_blocking_engine().connect() as connection:
            assert recorded_phases(connection) == {initial: "expand", expand: "expand"}


def test_a_phase_with_a_target_revision_is_refused_before_anything_runs(project: Project) -> None:
    phased_revisions()[0].copy_to(project)
    completed = project.run("inv", "db.upgrade", "--phase", "expand", "-r", "head")
    assert completed.returncode == 0  # -r head is the default: the phase decides
    first = phased_revisions()[0].revision
    completed = project.run("inv", "db.upgrade", "--phase", "expand", "-r", first)
    assert completed.returncode == 1
    assert "--phase chooses where the upgrade stops" in one_error_line(completed.stderr)
    module = project.run("python", "-m", "app.migrations", "upgrade", first, "--phase", "expand")
    assert module.returncode == 1
    assert "--phase chooses where the upgrade stops" in one_error_line(module.stderr)


def test_a_merge_revision_is_labelled_expand(project: Project) -> None:
    branch_into_two_heads(project)
    written = project.inv("db.merge", "-m", "Merge heads").stdout
    (merge,) = [path for path in project.versions.glob("*merge_heads.py")]
    assert merge.name in written
    assert label_in_text(merge.read_text()) == "expand"


def test_a_foreign_key_added_to_a_table_is_expand_beside_a_drop() -> None:
    # A foreign key names its table as its source (no `schema`, no `table_name`): matching
    # creates with drops of the same name crashed on it, for every revision that added one.
    from alembic.operations import ops

    from alembic_steward.runtime._phase_split import split_by_phase

    column = ops.AddColumnOp("posts", sa.Column("user_id", sa.Integer()))
    key = ops.CreateForeignKeyOp("fk_posts_user_id", "posts", "users", ["user_id"], ["id"])
    drop = ops.DropColumnOp("posts", "old")
    expand, contract = split_by_phase(
        ops.UpgradeOps([ops.ModifyTableOps("posts", [column, key, drop])])
    )
    assert [op.ops for op in expand] == [[column, key]]
    assert [op.ops for op in contract] == [[drop]]


def test_an_index_and_a_key_on_a_column_the_contract_side_adds_follow_it() -> None:
    from alembic.operations import ops

    from alembic_steward.runtime._phase_split import split_by_phase

    column = ops.AddColumnOp("posts", sa.Column("author_id", sa.Integer(), nullable=False))
    index = ops.CreateIndexOp("ix_posts_author_id", "posts", ["author_id"])
    key = ops.CreateForeignKeyOp("fk_posts_author", "posts", "authors", ["author_id"], ["id"])
    other = ops.CreateIndexOp("ix_posts_title", "posts", ["title"])
    table = ops.ModifyTableOps("posts", [column, index, key, other])
    expand, contract = split_by_phase(ops.UpgradeOps([table]))
    assert [op.ops for op in expand] == [[other]]
    assert [op.ops for op in contract] == [[column, index, key]]


def test_the_split_is_written_and_verified_against_each_database(
    project: Project, database: ServerDatabase
) -> None:
    env = {"DATABASE_URL": database.url}
    project.add_user_model()
    project.add_user_name_column()
    phased_revisions()[0].copy_to(project)
    project.inv("db.upgrade", env=env)
    replace_name_with_nickname(project)
    output = project.inv("db.revision", "-m", "Nickname", env=env).stdout
    (expand, expand_path), (contract, contract_path) = created_revisions(output)
    assert label_in_text((project.path / expand_path).read_text()) == "expand"
    assert label_in_text((project.path / contract_path).read_text()) == "contract"
    project.inv("db.upgrade", "--phase", "expand", env=env)
    assert database.query("SELECT version_num FROM alembic_version") == [(expand,)]


def recorded(project: Project) -> dict[str, str]:
    with project.imported():
        from alembic_steward._wiring import get_blocking_engine
        from alembic_steward.runtime._phase_records import recorded_phases

        with get_blocking_engine().connect() as connection:
            return recorded_phases(connection)


def test_an_accepted_relabel_is_recorded_and_a_purged_stamp_forgets_phases(
    project: Project,
) -> None:
    initial, expand, contract = (made.copy_to(project) for made in phased_revisions())
    project.inv("db.upgrade")
    # A revision applied as expand is relabelled contract, and the edit accepted: an older
    # release's guard must now see contract.
    (path,) = [p for p in project.versions.glob("*.py") if expand in p.name]
    path.write_text(path.read_text().replace('phase: str = "expand"', 'phase: str = "contract"'))
    project.inv("db.accept-edit", "-r", expand, "--yes")
    assert recorded(project)[expand] == "contract"
    project.inv("db.stamp", "--purge", "-r", initial, "--yes")
    assert set(recorded(project)) == {initial}
    assert contract not in recorded(project)


def test_a_project_whose_template_writes_no_phase_gets_one_revision_per_change(
    project: Project,
) -> None:
    # Its team took the phase line out of script.py.mako: autogenerate split the change into
    # "Nickname (expand)" and "Nickname (contract)", two revisions labelled by nobody.
    template = project.path / "app" / "migrations" / "script.py.mako"
    lines = template.read_text().splitlines(keepends=True)
    template.write_text(
        "".join(line for line in lines if "phase" not in line and "expand" not in line)
    )
    project.add_user_model()
    project.add_user_name_column()
    project.inv("db.revision", "-m", "Users")
    project.inv("db.upgrade")
    replace_name_with_nickname(project)
    output = project.inv("db.revision", "-m", "Nickname").stdout
    ((_, path),) = created_revisions(output)
    source = (project.path / path).read_text()
    assert "expand" not in source and "contract" not in source, source
    assert "drop_column" in source and "nickname" in source, source
