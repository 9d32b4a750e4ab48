"""The stairway's sample rows are right for each column type on each database, and a downgrade
that loses data in a column of any type fails the service's migration tests."""

from __future__ import annotations

import pytest
from project import Project, revision_source
from servers import ServerDatabase
from typed_histories import kinds, write_sample_values, write_typed_history

from alembic_steward.testing import _ddl_targets as ddl_targets
from alembic_steward.testing._check_constraints import checks_in

DATA_TEST = "test_each_downgrade_gives_back_the_data_its_upgrade_kept"
STAIRWAY_TEST = "test_each_revision_upgrades_downgrades_and_upgrades_again"
# Python values of each kind, written once for every database (ARRAY and JSONB: PostgreSQL's).
TEAM_VALUES = """
import datetime
import uuid
from decimal import Decimal

SAMPLE_VALUES = {
    "t_json": {"value": {"name": "ada", "tags": ["a", 1, True]}},
    "t_boolean": {"value": True},
    "t_native_enum": {"value": "green"},
    "t_checked_enum": {"value": "green"},
    "t_numeric": {"value": Decimal("123.45")},
    "t_float": {"value": 2.25},
    "t_date": {"value": datetime.date(2024, 2, 29)},
    "t_datetime": {"value": datetime.datetime(2024, 2, 29, 13, 14, 15)},
    "t_time": {"value": datetime.time(13, 14, 15)},
    "t_interval": {"value": datetime.timedelta(days=2, hours=3)},
    "t_uuid": {"value": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    "t_binary": {"value": b"\\x00\\xffbytes"},
    "t_string": {"value": "abc"},
    "t_text": {"value": lambda n: f"text {n}"},
    "t_checked_integer": {"value": 15},
    "t_array": {"value": [1, 2, 3]},
    "t_jsonb": {"value": [{"a": 1}, None]},
}
"""


def run_service_tests(project: Project, database: ServerDatabase, *options: str):
    """The service's migration tests but models-match (only the migrations name the tables)."""
    env = {"TEST_DATABASE_URL": database.url} if database.kind != "sqlite" else {}
    return project.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/test_migrations.py",
        "-k", "not models_match", *options, env=env,
    )  # fmt: skip


def test_a_clean_history_of_every_column_type_passes_with_generated_rows(
    project: Project, database: ServerDatabase
) -> None:
    write_typed_history(project)
    completed = run_service_tests(project, database)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "left NULL" not in output, output


def test_the_stairway_catches_a_downgrade_losing_data_in_a_column_of_each_type(
    project: Project, database: ServerDatabase
) -> None:
    write_typed_history(project, loses_data=True)
    completed = run_service_tests(project, database)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert f"FAILED tests/test_migrations.py::{DATA_TEST}" in output, output
    for kind in kinds(database.kind):
        assert f"revision r2 (r2)'s downgrade: t_{kind} row id=9000" in output, kind


def test_team_values_written_once_work_on_every_database(
    project: Project, database: ServerDatabase
) -> None:
    write_typed_history(project)
    write_sample_values(project, TEAM_VALUES)
    completed = run_service_tests(project, database)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    # And the data check compares them: the same values, lost by the faulty downgrade.
    write_typed_history(project, loses_data=True)
    completed = run_service_tests(project, database)
    output = completed.stdout + completed.stderr
    for kind in kinds(database.kind):
        assert f"t_{kind} row id=9000" in output and ": value was " in output, kind


def test_a_seed_revision_writing_id_1_meets_no_sample_row_holding_it(
    project: Project, database: ServerDatabase
) -> None:
    create = '    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))'
    project.write_revision("r1.py", revision_source("r1", None, create, '    op.drop_table("t")'))
    seed = '    op.execute("INSERT INTO t (id) VALUES (1)")'
    project.write_revision(
        "r2.py", revision_source("r2", "r1", seed, '    op.execute("DELETE FROM t WHERE id = 1")')
    )
    completed = run_service_tests(project, database)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_row_that_cannot_be_written_names_its_table_column_and_why(
    project: Project, database: ServerDatabase
) -> None:
    write_typed_history(project)
    write_sample_values(project, 'SAMPLE_VALUES = {"t_checked_integer": {"value": 5}}')
    completed = run_service_tests(project, database, "-x")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert f"FAILED tests/test_migrations.py::{STAIRWAY_TEST}" in output, output
    assert (
        "revision r1 (r1): inserting a row into each table before the downgrade failed:"
        " SampleRowError: the stairway's sample row for t_checked_integer fails CHECK ("
    ) in output, output
    assert "with value = 5, which tests/migration_rows.py (SAMPLE_VALUES)" in output, output
    assert "Traceback" not in output


def test_a_check_no_value_can_be_derived_for_names_the_column_until_the_team_gives_one(
    project: Project, database: ServerDatabase
) -> None:
    upper = (
        '    op.create_table("codes", sa.Column("code", sa.String(8), nullable=False),'
        ' sa.CheckConstraint("length(code) = 7 AND code LIKE \'A%\'", name=op.f("ck_codes_form")))'
    )
    drop = '    op.drop_table("codes")'
    project.write_revision("r1.py", revision_source("r1", None, upper, drop))
    project.write_revision("r2.py", revision_source("r2", "r1", "    pass"))
    completed = run_service_tests(project, database)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    assert "SampleRowError: no sample value for codes.code passes CHECK (" in output, output
    assert "name one in tests/migration_rows.py (SAMPLE_VALUES)" in output, output
    write_sample_values(project, 'SAMPLE_VALUES = {"codes": {"code": lambda n: f"A{n:06d}"}}')
    completed = run_service_tests(project, database)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize(
    ("statements", "written"),
    [
        (["UPDATE items SET value = NULL"], {"items"}),
        (['DELETE FROM "Items" WHERE id = 1'], {"Items"}),
        (["INSERT INTO items (id) VALUES (1)", "TRUNCATE TABLE things"], {"items", "things"}),
        (["ALTER TABLE items ALTER COLUMN value TYPE text"], {"items"}),
        (
            [
                "INSERT INTO _alembic_tmp_items (id) SELECT id FROM items",
                "DROP TABLE items",
                "ALTER TABLE _alembic_tmp_items RENAME TO items",
            ],
            {"items", "_alembic_tmp_items"},
        ),
        (["SELECT id FROM items"], set()),
        # Forms that may write other tables than the one they name: any table, then.
        (["UPDATE items JOIN owners ON owners.id = items.owner_id SET value = 1"], None),
        (["DELETE FROM items USING owners WHERE owners.id = items.owner_id"], None),
        (["WITH gone AS (DELETE FROM items RETURNING id) SELECT count(*) FROM gone"], None),
        (["MERGE INTO items USING changes ON items.id = changes.id"], None),
        (["SELECT rewrite_everything()"], None),
    ],
)
def test_the_tables_whose_rows_a_step_may_change_are_read_again(
    statements: list[str], written: set[str] | None
) -> None:
    assert ddl_targets.rows_written_by(statements, "postgresql", {}.get) == written


@pytest.mark.parametrize(
    ("text", "expressions"),
    [
        ("CHECK ((qty >= 10) AND (qty <= 20))", ["(qty >= 10) AND (qty <= 20)"]),
        (
            "`payload` longtext CHARACTER SET utf8mb4 DEFAULT NULL CHECK (json_valid(`payload`))",
            ["json_valid(`payload`)"],
        ),
        (
            "CREATE TABLE t (a INTEGER CHECK (a IN (0, 1)), b VARCHAR(3),"
            " CONSTRAINT ck_t_b CHECK (b IN ('x)', 'y')))",
            ["a IN (0, 1)", "b IN ('x)', 'y')"],
        ),
    ],
)
def test_check_constraints_are_read_from_each_databases_text(
    text: str, expressions: list[str]
) -> None:
    assert [check.expression for check in checks_in([text])] == expressions
