"""The stairway fails a downgrade that leaves a fact its upgrade changed, not only a leftover
object: a server default, a comment, a CHECK's expression, an index made unique, a foreign
key's ON DELETE, an enum's CHECK, a column's nullability. Each upgrade below can run again over
its own result, so only the comparison around the downgrade shows the fault, and all share one
history, each on tables of its own; its failure names the object and the fact. (The plan was
once drawn ahead by the rerun refusal, which made the walk describe an empty database at every
step: runtime/_already_applied.py.)"""

from __future__ import annotations

import re

from migration_faults import (
    CREATE_CHECKED_ITEMS,
    CREATE_NAME_INDEX,
    CREATE_OWNERS_AND_PETS,
    DROP_NAME_INDEX,
    FIRST,
    ITEMS_CHECKED,
    ITEMS_INDEXED,
    ITEMS_MODEL,
    OWNERS_AND_PETS,
    History,
    Revision,
    batch,
    first_with,
    one_history_of,
    renamed,
    second,
)
from project import Project
from servers import ServerDatabase
from test_migration_checks import run_service_tests

NAME = 'alter_column("name", existing_type=sa.String(50), existing_nullable=False, '
SIZES = '"size", sa.Enum({}, native_enum=False, create_constraint=True, name="size")'
CREATE_SIZED_ITEMS = (
    "    op.create_table(\n"
    '        "items",\n'
    '        sa.Column("id", sa.Integer(), primary_key=True),\n'
    f"        sa.Column({SIZES.format(repr('s') + ', ' + repr('m'))}, nullable=True),\n"
    "    )"
)
PETS_ONLY = (
    Revision(
        "r1", None, CREATE_OWNERS_AND_PETS, '    op.drop_table("pets")\n    op.drop_table("owners")'
    ),
)
FK = 'op.f("fk_pets_owner_id_owners")'

# Fault -> (history, a word of the failure's line, the databases where it is a fault).
ALL = frozenset({"sqlite", "postgresql", "mysql"})
FAULTS = {
    "server-default": (
        History(
            ITEMS_MODEL,
            (FIRST, second(batch(NAME + "server_default=sa.text(\"'x'\"))"), "    pass")),
        ),
        "default",
        ALL,
    ),
    "comment": (
        History(ITEMS_MODEL, (FIRST, second(batch(NAME + 'comment="changed")'), "    pass"))),
        "comment",
        # SQLite keeps no comments.
        frozenset({"postgresql", "mysql"}),
    ),
    "check-expression": (
        History(
            ITEMS_CHECKED,
            (
                first_with(CREATE_CHECKED_ITEMS),
                second(
                    batch(
                        'drop_constraint(op.f("ck_items_name_filled"), type_="check")',
                        'create_check_constraint(op.f("ck_items_name_filled"), "length(name) > 1")',
                    ),
                    "    pass",
                ),
            ),
        ),
        "ck_items_name_filled",
        ALL,
    ),
    "index-made-unique": (
        History(
            ITEMS_INDEXED,
            (
                first_with(f"{FIRST.upgrade}\n{CREATE_NAME_INDEX}"),
                second(f"{DROP_NAME_INDEX}\n{CREATE_NAME_INDEX[:-1]}, unique=True)", "    pass"),
            ),
        ),
        "ix_items_name",
        ALL,
    ),
    "foreign-key-action": (
        History(
            OWNERS_AND_PETS,
            (
                *PETS_ONLY,
                second(
                    '    with op.batch_alter_table("pets") as batch:\n'
                    f'        batch.drop_constraint({FK}, type_="foreignkey")\n'
                    f'        batch.create_foreign_key({FK}, "owners", ["owner_id"], ["id"],'
                    ' ondelete="CASCADE")',
                    "    pass",
                ),
            ),
        ),
        "fk_pets_owner_id_owners",
        ALL,
    ),
    "enum-check": (
        History(
            ITEMS_MODEL,
            (
                first_with(CREATE_SIZED_ITEMS),
                second(
                    batch(
                        'drop_constraint(op.f("ck_items_size"), type_="check")',
                        'create_check_constraint(op.f("ck_items_size"),'
                        " \"size IN ('s', 'm', 'l')\")",
                    ),
                    "    pass",
                ),
            ),
        ),
        "ck_items_size",
        ALL,
    ),
    "nullability": (
        History(ITEMS_MODEL, (FIRST, second(batch(NAME + "nullable=True)"), "    pass"))),
        "nullable",
        ALL,
    ),
}


def test_the_stairway_fails_each_downgrade_that_leaves_a_changed_fact(
    project: Project, database: ServerDatabase
) -> None:
    # Every fault in one history, each on tables of its own, walked once: each is named by its
    # revision (whose message is the fault's name) in a line with its word, on exactly the
    # databases where it is a fault.
    history, at_fault = one_history_of({fault: FAULTS[fault][0] for fault in FAULTS})
    history.write_into(project)
    completed = run_service_tests(project, database, ("restores", "upgrades_downgrades"))
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output
    # The walk itself went through: only the comparison around each downgrade fails.
    assert "FAILED tests/test_migrations.py::test_each_downgrade_restores" in output, output
    assert "upgrades_downgrades_and_upgrades_again" not in output.split("short test summary")[-1]
    named_steps = set(re.findall(r"revision (\w+) \([^)]*\)'s downgrade: ", output))
    for number, (fault, (_history, word, databases)) in enumerate(FAULTS.items(), start=1):
        step = f"revision {at_fault[fault]} ({fault})'s downgrade: "
        if database.kind not in databases:
            assert at_fault[fault] not in named_steps, (fault, output)
            continue
        lines = [line for line in output.splitlines() if step in line]
        assert any(renamed(word, number) in line for line in lines), (fault, output)
    faults_here = {at_fault[fault] for fault in FAULTS if database.kind in FAULTS[fault][2]}
    assert named_steps == faults_here, output
