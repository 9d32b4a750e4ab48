"""What a refused `inv db.squash` advises is a step that works: a squash through the revision
it names is accepted, or it says plainly that none can be."""

from __future__ import annotations

from project import Project, one_error_line, revision_source

TABLE = revision_source(
    "r1",
    None,
    '    op.create_table("t", sa.Column("id", sa.Integer(), primary_key=True))',
    '    op.drop_table("t")',
)
VIEW = '    op.execute("CREATE VIEW v AS SELECT id FROM t")'
NO_VIEW = '    op.execute("DROP VIEW v")'
# Advice that cannot work: after a refusal nothing was written, so there is no squash to add to.
AFTER_THE_SQUASH = "write those by hand in a revision after the squash"


def test_an_object_the_squash_cannot_write_names_the_revision_to_squash_through_below_it(
    project: Project,
) -> None:
    project.write_revision("r1.py", TABLE)
    project.write_revision("r2.py", revision_source("r2", "r1", "    pass"))
    project.write_revision("r3.py", revision_source("r3", "r2", VIEW, NO_VIEW))
    project.write_revision("r4.py", revision_source("r4", "r3", "    pass"))
    line = one_error_line(project.inv("db.squash", "--through", "r4", code=1).stderr)
    assert "view v is in the old history but not in the squashed revision" in line
    assert "r3 makes the first of them: squash through r2, below it" in line
    assert AFTER_THE_SQUASH not in line and line.endswith("nothing was written")
    project.inv("db.squash", "--through", "r2")  # the revision named is accepted


def test_an_object_the_first_revisions_make_says_no_squash_can_carry_it(
    project: Project,
) -> None:
    project.write_revision("r1.py", TABLE)
    project.write_revision("r2.py", revision_source("r2", "r1", VIEW, NO_VIEW))
    project.write_revision("r3.py", revision_source("r3", "r2", "    pass"))
    line = one_error_line(project.inv("db.squash", "--through", "r3", code=1).stderr)
    assert "r2 makes the first of them" in line
    assert "no revision of this history can be squashed while they stand" in line
    assert AFTER_THE_SQUASH not in line and "squash through an earlier" not in line


def test_a_revision_above_a_merge_names_one_the_squash_accepts_or_says_none_can_be(
    project: Project,
) -> None:
    project.write_revision("r1.py", TABLE)
    project.write_revision("b1.py", revision_source("b1", "r1", "    pass"))
    project.write_revision("b2.py", revision_source("b2", "r1", "    pass"))
    project.write_revision("m1.py", revision_source("m1", ("b1", "b2"), "    pass"))
    project.write_revision("m2.py", revision_source("m2", "m1", "    pass"))
    for through in ("m2", "m1"):
        line = one_error_line(project.inv("db.squash", "--through", through, code=1).stderr)
        assert "m1 merges b1, b2" in line
        assert "squash through a revision above the merge" not in line  # refused the same way
        assert "nor any below it: r1, where its branches part, is the first revision" in line
        assert line.endswith("this history cannot be squashed; nothing was written")

    # One revision more below the branches: the squash through r1 is named, and accepted.
    project.write_revision("r0.py", revision_source("r0", None, "    pass"))
    project.write_revision("r1.py", TABLE.replace("down_revision = None", "down_revision = 'r0'"))
    line = one_error_line(project.inv("db.squash", "--through", "m2", code=1).stderr)
    assert "squash through r1, where its branches part" in line
    project.inv("db.squash", "--through", "r1")
