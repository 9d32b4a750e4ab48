"""A service adds its own lint rules through its wiring: `Steward(lint_rules=[...])`."""

from __future__ import annotations

from project import Project, revision_source
from servers import ServerDatabase, only_on

# A team rule: every new table needs a comment saying what it holds.
TEAM_RULE = '''

def table_without_comment(operation, dialect):
    """Tables carry a comment saying what they hold."""
    from alembic.operations import ops

    if isinstance(operation, ops.CreateTableOp) and not operation.comment:
        return f"creates table {operation.table_name} without a comment"
    return None
'''
CREATE_NOTES = (
    '    op.create_table("notes", sa.Column("id", sa.Integer(), primary_key=True){comment})'
)
DROP_NOTES = '    op.drop_table("notes")'


def with_team_rule(project: Project) -> None:
    wiring = project.path / "app" / "migrations" / "__init__.py"
    source = wiring.read_text().replace("steward = Steward(", TEAM_RULE + "\n\nsteward = Steward(")
    source = source.replace(
        "    __name__,\n", "    __name__,\n    lint_rules=[table_without_comment],\n"
    )
    wiring.write_text(source)


@only_on("sqlite", why="a team's rule sees Alembic's operations, the same for every database")
def test_a_rule_from_the_wiring_reports_and_a_marker_accepts_it(
    project: Project, database: ServerDatabase
) -> None:
    with_team_rule(project)
    env = {"DATABASE_URL": database.url}
    upgrade = CREATE_NOTES.format(comment="")
    project.write_revision("r1.py", revision_source("r1", None, upgrade, DROP_NOTES))
    completed = project.inv("db.lint", code=1, env=env)
    assert "table-without-comment" in completed.stdout
    assert "creates table notes without a comment" in completed.stdout
    accepted = upgrade + "  # lint: allow table-without-comment"
    project.write_revision("r1.py", revision_source("r1", None, accepted, DROP_NOTES))
    project.inv("db.lint", env=env)


def test_a_table_the_rule_allows_is_not_reported(project: Project) -> None:
    with_team_rule(project)
    upgrade = CREATE_NOTES.format(comment=', comment="what a user wrote down"')
    project.write_revision("r1.py", revision_source("r1", None, upgrade, DROP_NOTES))
    assert "table-without-comment" not in project.inv("db.lint").stdout


def test_without_the_rule_a_marker_naming_it_is_refused(project: Project) -> None:
    upgrade = CREATE_NOTES.format(comment="") + "  # lint: allow table-without-comment"
    project.write_revision("r1.py", revision_source("r1", None, upgrade, DROP_NOTES))
    completed = project.inv("db.lint", code=1)
    assert "names an unknown rule 'table-without-comment'" in completed.stderr
