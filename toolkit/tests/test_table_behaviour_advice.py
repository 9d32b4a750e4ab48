"""What to write by hand for how a table behaves (row level security, UNLOGGED, STRICT, WITHOUT
ROWID, a MariaDB engine) and for a policy or rule: the statement that does it, not a
create_table."""

from __future__ import annotations

import pytest

from alembic_steward.catalog import Difference
from alembic_steward.inspection._by_hand import by_hand_line


@pytest.mark.parametrize(
    ("fact", "want", "dialect", "call"),
    [
        ("persistence", "unlogged", "postgresql", 'op.execute("ALTER TABLE items SET UNLOGGED")'),
        (
            "row level security",
            "enabled",
            "postgresql",
            'op.execute("ALTER TABLE items ENABLE ROW LEVEL SECURITY,'
            ' NO FORCE ROW LEVEL SECURITY")',
        ),
        (
            "strict",
            "yes",
            "sqlite",
            'with op.batch_alter_table("items", recreate="always",'
            ' table_kwargs={"sqlite_strict": True}): pass',
        ),
        (
            "without rowid",
            "yes",
            "sqlite",
            'with op.batch_alter_table("items", recreate="always",'
            ' table_kwargs={"sqlite_with_rowid": False}): pass',
        ),
        ("engine", "MyISAM", "mysql", 'op.execute("ALTER TABLE items ENGINE = MyISAM")'),
        ("inherits", "things", "postgresql", 'op.execute("ALTER TABLE items INHERIT things")'),
        (
            "partitioned by",
            "RANGE (id)",
            "postgresql",
            "a new table made as items PARTITION BY RANGE (id) with its partitions, the rows"
            " copied into it, the old table dropped and the new renamed",
        ),
        (
            "collation",
            "latin1_bin",
            "mysql",
            'op.execute("ALTER TABLE items CONVERT TO CHARACTER SET latin1 COLLATE latin1_bin")',
        ),
    ],
)
def test_a_table_s_changed_behaviour_is_written_as_the_statement_that_changes_it(
    fact: str, want: str, dialect: str, call: str
) -> None:
    difference = Difference("table", "items", "different", ((fact, want, None),))
    line = by_hand_line(difference, dialect=dialect)
    assert line.endswith(f"change it by hand ({call})"), line
    assert "create_table" not in line


def test_any_other_change_of_a_table_is_an_alter_table_not_a_create_table() -> None:
    difference = Difference("table", "items", "different", (("something", "a", "b"),))
    line = by_hand_line(difference, dialect="postgresql")
    assert line.endswith('change it by hand (op.execute("ALTER TABLE ..."))'), line


def test_a_policy_or_rule_is_written_with_its_own_statement() -> None:
    policy = by_hand_line(Difference("policy", "items.mine", "missing"), dialect="postgresql")
    assert policy.endswith('add it by hand (op.execute("CREATE POLICY mine ON items ..."))')
    rule = by_hand_line(Difference("rule", "items.kept", "different"), dialect="postgresql")
    assert 'op.execute("CREATE OR REPLACE RULE kept AS ON ... TO items DO ...")' in rule, rule


@pytest.mark.parametrize(
    ("want", "call"),
    [
        ("by code", "op.execute(\"COMMENT ON INDEX audit.ix_code IS 'by code'\")"),
        ("it's", "op.execute(\"COMMENT ON INDEX audit.ix_code IS 'it''s'\")"),
        (None, 'op.execute("COMMENT ON INDEX audit.ix_code IS NULL")'),
    ],
)
def test_a_postgresql_index_s_changed_comment_is_written_as_comment_on_index(
    want: str | None, call: str
) -> None:
    difference = Difference("index", "audit.codes.ix_code", "different", (("comment", want, "x"),))
    line = by_hand_line(difference, dialect="postgresql")
    assert line.endswith(f"change it by hand ({call})"), line
