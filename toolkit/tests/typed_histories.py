"""Histories with one table per column type, for the stairway's sample rows and its data check.

Each table `t_<kind>` holds an `id` and a `value` of one type. r1 creates them all; r2 adds a
column `extra` to each (batch mode: SQLite copies every row into a rebuilt table) and its
downgrade drops it again: cleanly, or in the faulty history also dropping and re-adding
`value`, which restores the column but not its data (a column a CHECK names is emptied by an
UPDATE instead, since SQLite's batch mode cannot drop it from under its CHECK). Only the
migrations name these tables, so the service's models-match test is left out of the runs.
"""

from __future__ import annotations

from project import Project, revision_source

# Kind -> the column's type, as a revision writes it; the CHECK, where the kind has one.
TYPES = {
    "json": "sa.JSON()",
    "boolean": 'sa.Boolean(create_constraint=True, name="flag")',
    "native_enum": 'sa.Enum("red", "green", name="hue")',
    "checked_enum": (
        'sa.Enum("red", "green", name="shade", native_enum=False, create_constraint=True)'
    ),
    "numeric": "sa.Numeric(5, 2)",
    "float": "sa.Float()",
    "date": "sa.Date()",
    "datetime": "sa.DateTime()",
    "time": "sa.Time()",
    "interval": "sa.Interval()",
    "uuid": "sa.Uuid()",
    "binary": "sa.LargeBinary()",
    "string": "sa.String(3)",
    "text": "sa.Text()",
    "checked_integer": "sa.Integer()",
}
CHECKS = {"checked_integer": "value BETWEEN 10 AND 20"}
CHECKED = {"boolean", "checked_enum", "checked_integer"}
POSTGRESQL_TYPES = {"array": "postgresql.ARRAY(sa.Integer())", "jsonb": "postgresql.JSONB()"}
IMPORTS = "from sqlalchemy.dialects import postgresql"


def kinds(dialect: str) -> dict[str, str]:
    return {**TYPES, **(POSTGRESQL_TYPES if dialect == "postgresql" else {})}


def create_table(kind: str, column_type: str) -> str:
    check = (
        f'        sa.CheckConstraint("{CHECKS[kind]}", name=op.f("ck_t_{kind}_range")),\n'
        if kind in CHECKS
        else ""
    )
    return (
        f'    op.create_table(\n        "t_{kind}",\n'
        '        sa.Column("id", sa.Integer(), nullable=False),\n'
        f'        sa.Column("value", {column_type}, nullable=True),\n{check}'
        f'        sa.PrimaryKeyConstraint("id", name=op.f("pk_t_{kind}")),\n    )'
    )


def for_each_table(body: str, lines: list[str], on_postgresql: list[str]) -> str:
    """``body`` with ``lines`` for every kind, and ``on_postgresql`` under a dialect test."""
    postgresql = "\n".join("    " + line for line in on_postgresql)
    return (
        body
        + "\n".join(lines)
        + (
            f'\n    if op.get_bind().dialect.name == "postgresql":\n{postgresql}'
            if postgresql
            else ""
        )
    )


def batch(kind: str, *statements: str) -> str:
    body = "\n".join(f"        batch.{statement}" for statement in statements)
    return f'    with op.batch_alter_table("t_{kind}") as batch:\n{body}'


def first_revision() -> str:
    upgrade = for_each_table(
        "",
        [create_table(kind, column_type) for kind, column_type in TYPES.items()],
        [
            line
            for kind, column_type in POSTGRESQL_TYPES.items()
            for line in create_table(kind, column_type).splitlines()
        ],
    )
    downgrade = for_each_table(
        "",
        [f'    op.drop_table("t_{kind}")' for kind in TYPES]
        + ['    sa.Enum(name="hue").drop(op.get_bind(), checkfirst=True)'],
        [f'    op.drop_table("t_{kind}")' for kind in POSTGRESQL_TYPES],
    )
    return revision_source("r1", None, upgrade, downgrade, imports=IMPORTS)


def second_revision(loses_data: bool) -> str:
    add = 'add_column(sa.Column("extra", sa.Integer(), nullable=True))'

    def downgrade(kind: str, column_type: str) -> list[str]:
        lines = [batch(kind, 'drop_column("extra")')]
        if loses_data and kind in CHECKED:
            lines.append(f'    op.execute("UPDATE t_{kind} SET value = NULL")')
        elif loses_data:  # a batch of its own: SQLite puts the column back last, where it was
            lines.append(batch(kind, 'drop_column("value")'))
            readd = f'add_column(sa.Column("value", {column_type}, nullable=True))'
            lines.append(batch(kind, readd))
        return lines

    upgrade = for_each_table(
        "",
        [batch(kind, add) for kind in TYPES],
        [line for kind in POSTGRESQL_TYPES for line in batch(kind, add).splitlines()],
    )
    down = for_each_table(
        "",
        [line for kind, column_type in TYPES.items() for line in downgrade(kind, column_type)],
        [
            line
            for kind, column_type in POSTGRESQL_TYPES.items()
            for chunk in downgrade(kind, column_type)
            for line in chunk.splitlines()
        ],
    )
    return revision_source("r2", "r1", upgrade, down, imports=IMPORTS)


def write_typed_history(project: Project, *, loses_data: bool = False) -> None:
    project.write_revision("r1.py", first_revision())
    project.write_revision("r2.py", second_revision(loses_data))


def write_sample_values(project: Project, source: str) -> None:
    """Replace the service's tests/migration_rows.py with ``source``."""
    (project.path / "tests" / "migration_rows.py").write_text(source)
