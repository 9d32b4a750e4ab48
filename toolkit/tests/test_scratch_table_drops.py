"""A MySQL/MariaDB scratch database is emptied before DROP DATABASE in a few DROP TABLEs of
several tables each, over several connections: a statement a table made the cold check's
teardown cost as much as building the models (inspection/_parallel_ddl.py)."""

from __future__ import annotations

from servers import ServerDatabase, only_on
from sqlalchemy import create_engine, event

# More tables than one statement names, with names only quoting makes safe, and a foreign key:
# two statements at once dropping a table and the table it refers to wait for each other until
# the server gives up on one.
PLAIN_TABLES = 60
ODD_NAMES = ("a:b", "we`ird", "50%", "has space")


@only_on("mysql", why="only MySQL/MariaDB scratch databases are emptied table by table first")
def test_a_scratch_databases_tables_go_in_a_few_statements_naming_any_table(
    database: ServerDatabase,
) -> None:
    from alembic_steward.inspection._parallel_ddl import drop_tables_in_parallel

    database.query("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    for number in range(PLAIN_TABLES):
        database.query(f"CREATE TABLE t{number:02d} (id INTEGER PRIMARY KEY)")
    for name in ODD_NAMES:
        quoted = name.replace("`", "``")
        database.query(f"CREATE TABLE `{quoted}` (id INTEGER PRIMARY KEY)")
    database.query(
        f"CREATE TABLE t{PLAIN_TABLES} (id INTEGER PRIMARY KEY, parent_id INTEGER,"
        " FOREIGN KEY (parent_id) REFERENCES parent (id))"
    )
    tables = PLAIN_TABLES + len(ODD_NAMES) + 2
    drops = []
    engine = create_engine(database.url, isolation_level="AUTOCOMMIT")

    @event.listens_for(engine, "before_cursor_execute")
    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("DROP TABLE"):
            drops.append(statement)

    try:
        drop_tables_in_parallel(engine)
    finally:
        engine.dispose()
    left = database.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    )
    assert left == []
    # Dozens of tables a statement: 66 tables, 3 statements (not 66).
    assert len(drops) <= tables // 20


def test_linked_tables_are_dropped_together_and_a_big_linked_group_a_table_a_statement() -> None:
    from alembic_steward.inspection._parallel_ddl import TABLES_PER_DROP, drop_statements

    chain = [f"c{number:02d}" for number in range(TABLES_PER_DROP + 5)]
    links = [(child, parent) for child, parent in zip(chain[1:], chain, strict=False)]
    loose = [f"t{number:02d}" for number in range(TABLES_PER_DROP + 1)]
    pair = ["orders", "order_lines"]
    statements = drop_statements([*loose, *pair, *chain], [*links, ("order_lines", "orders")])

    named = [statement.names for statement in statements]
    assert sorted(name for names in named for name in names) == sorted([*loose, *pair, *chain])
    assert all(len(names) <= TABLES_PER_DROP for names in named)
    assert [[name] for name in chain] == [names for names in named if names[0] in chain]
    assert any(set(pair) <= set(names) for names in named)
    assert len(named) == len(chain) + 2
