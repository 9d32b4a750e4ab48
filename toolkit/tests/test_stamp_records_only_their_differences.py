"""A stamp's record of the differences it found explains those differences only: a hand change
made after it is judged as any hand change, and once the recorded ones are gone (fixed by
hand) the record no longer stops the upgrade."""

from __future__ import annotations

from project import Project, one_error_line
from servers import ServerDatabase
from stuck_states import write_revision

CREATE = (
    '    op.create_table("posts", sa.Column("id", sa.Integer, primary_key=True),'
    ' sa.Column("title", sa.String(50)))'
)
BODY = '    op.add_column("posts", sa.Column("body", sa.Text))'
TAGS = '    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True))'
HAND_VIEW = "CREATE VIEW vhand AS SELECT id FROM posts"


def stamped_over_a_missing_body(
    project: Project, database: ServerDatabase, pending: str = TAGS
) -> dict[str, str]:
    """At eeee00000001, stamped eeee00000002 accepting its missing column; eeee00000003
    (``pending``: a table of its own) written after."""
    write_revision(project, "eeee00000001", None, CREATE)
    write_revision(project, "eeee00000002", "eeee00000001", BODY)
    env = {"DATABASE_URL": database.url}
    project.inv("db.upgrade", "-r", "eeee00000001", env=env)
    stamped = project.inv("db.stamp", "-r", "head", "--accept-differences", env=env).stdout
    assert "missing column posts.body" in stamped, stamped
    write_revision(project, "eeee00000003", "eeee00000002", pending)
    return env


def test_a_hand_view_made_after_the_stamped_differences_were_fixed_is_not_blamed_on_the_stamp(
    project: Project, database: ServerDatabase
) -> None:
    env = stamped_over_a_missing_body(project, database)
    database.query("ALTER TABLE posts ADD COLUMN body TEXT")  # the stamp's difference, fixed
    database.query(HAND_VIEW)

    status = project.run("inv", "db.status", env=env)
    assert "the stamp that recorded" not in status.stdout + status.stderr, status.stdout
    upgraded = project.run("inv", "db.upgrade", env=env)

    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert database.revisions() == {"eeee00000003"}
    # The upgrade left the hand view, which reads nothing it changes, as it was.
    assert database.query("SELECT id FROM vhand") == []


def test_a_stamp_still_differing_names_only_what_it_recorded_not_a_later_hand_change(
    project: Project, database: ServerDatabase
) -> None:
    env = stamped_over_a_missing_body(project, database)
    database.query(HAND_VIEW)

    refused = project.run("inv", "db.upgrade", env=env)

    assert refused.returncode == 9, refused.stdout + refused.stderr
    line = one_error_line(refused.stderr)
    assert "the stamp that recorded eeee00000002 found that" in line, line
    assert "missing column posts.body" in line, line
    assert "vhand" not in line, line
    status = project.run("inv", "db.status", env=env)
    assert status.returncode == 9, status.stdout + status.stderr


def test_a_hand_view_over_a_column_the_pending_revision_drops_is_named_as_any_hand_view(
    project: Project, database: ServerDatabase
) -> None:
    env = stamped_over_a_missing_body(project, database, '    op.drop_column("posts", "title")')
    database.query("ALTER TABLE posts ADD COLUMN body TEXT")
    database.query("CREATE VIEW vhand AS SELECT id, title FROM posts")

    status = project.run("inv", "db.status", env=env)

    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "the stamp that recorded" not in verdict, verdict
    assert "view vhand reads posts.title, which the pending migrations drop" in verdict, verdict
