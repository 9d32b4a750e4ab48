"""A trigger a revision made, broken by a later revision's column drop: the upgrade's warning
and status advise the same way out, a new revision that drops it, and following either ends
there (no hand drop that status then calls a difference to undo, no stamp back that builds it
broken again)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from project import Project, one_error_line, revision_source
from servers import ServerDatabase, only_on
from test_broken_routines import MADE, TABLES, trigger
from test_status_sides import inv

FIRST, SECOND, THIRD = "bbbc00000001", "bbbc00000002", "bbbc00000003"
DROP_C7 = '    op.drop_column("t", "c7")'
# What the warning and status advise a new revision's upgrade() to run.
ADVISED = re.compile(r'`op\.execute\("([^"`]+)"\)`')
# A hand drop as the old advice had it: the trigger alone, its function left (PostgreSQL).
HAND_DROP = {"postgresql": "DROP TRIGGER trev ON t", "mysql": "DROP TRIGGER trev"}


def write_made_and_dropping(
    project: Project,
    database: ServerDatabase,
    made: Sequence[str] = (),
    drop: str = DROP_C7,
) -> None:
    """Write FIRST, making t and running ``made`` (the trigger trev naming t.c7 by default), and
    SECOND, running ``drop`` (a drop of t.c7 by default)."""
    statements = made or trigger(database, "trev", "c7")
    body = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, f"{TABLES}\n{body}"))
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, drop))


def run_advised(
    project: Project, database: ServerDatabase, advice: str, models_drift: bool = True
) -> None:
    """Write the new revision the advice names, with its statements, and upgrade; status then
    says only the models' drift (they describe no table t) unless not ``models_drift``."""
    statements = ADVISED.findall(advice)
    assert statements, advice
    body = "\n".join(f"    op.execute({statement!r})" for statement in statements)
    project.write_revision(f"{THIRD}_fix.py", revision_source(THIRD, SECOND, body))
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    assert "warning" not in upgrade.stderr, upgrade.stderr
    status = inv(project, database, "db.status")
    # Only the models' drift may be left: the database is its build.
    assert status.returncode == (3 if models_drift else 0), status.stdout + status.stderr
    # With drift, status says which side; else "up to date" says the database is its build.
    said = "against its revision rebuilt: same" if models_drift else "status:  up to date\n"
    assert said in status.stdout, status.stdout
    assert "broken:" not in status.stdout, status.stdout


@only_on("postgresql", "mysql", why="SQLite refuses the drop, or its batch copy loses triggers")
def test_a_hand_drop_of_a_revision_s_broken_trigger_is_read_as_a_revision_to_write(
    project: Project, database: ServerDatabase
) -> None:
    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "trigger trev on t names NEW.c7" in warning, warning
    assert f"the revisions made it (revision {FIRST})" in warning, warning
    assert "DROP TRIGGER IF EXISTS trev" in warning, warning
    if database.kind == "postgresql":  # its function goes with it: else a difference of its own
        assert 'op.execute("DROP FUNCTION IF EXISTS set_c7()")' in warning, warning

    database.query(HAND_DROP[database.kind])
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "db.stamp" not in verdict and "CREATE TRIGGER" not in verdict, verdict
    assert (
        "it lacks only what its revisions build broken (trigger trev on t names NEW.c7" in verdict
    )
    check = inv(project, database, "db.check")
    assert check.returncode == 9, check.stdout + check.stderr
    assert "db.stamp" not in check.stderr and "CREATE TRIGGER" not in check.stderr, check.stderr
    refused = inv(project, database, "db.revision", "-m", "x")  # refuses as status advises
    assert refused.returncode == 9, refused.stdout + refused.stderr
    assert "it lacks only what its revisions build broken" in refused.stderr, refused.stderr

    run_advised(project, database, verdict)


@only_on("postgresql", "mysql", why="SQLite refuses the drop, or its batch copy loses triggers")
def test_one_upgrade_that_makes_and_breaks_a_trigger_warns_and_its_advice_works(
    project: Project, database: ServerDatabase
) -> None:
    made = [*trigger(database, "trev", "c7"), MADE[database.kind]["function"]]
    made_text = "\n".join(f"    op.execute({s!r})" for s in made)
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, f"{TABLES}\n{made_text}"))
    dropping = revision_source(SECOND, FIRST, f'{DROP_C7}\n    op.drop_column("t", "c6")')
    project.write_revision(f"{SECOND}_drop.py", dropping)
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "trigger trev on t names NEW.c7, which t no longer has" in warning, warning
    assert "first_c6" in warning and "t.c6, which the upgrade dropped" in warning, warning

    run_advised(project, database, warning)


@only_on("postgresql", why="only PostgreSQL's trigger runs a function of its own")
def test_a_hand_made_trigger_s_advised_drop_takes_its_function_unless_shared(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLES))
    assert inv(project, database, "db.upgrade").returncode == 0
    for statement in [
        *trigger(database, "thand", "c7"),
        # Two triggers run one function: dropping one leaves the function to the other.
        "CREATE FUNCTION set_both() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN NEW.c7 = 1; RETURN NEW; END $$",
        "CREATE TRIGGER tone BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION set_both()",
        "CREATE TRIGGER ttwo BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION set_both()",
    ]:
        database.query(statement)
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP_C7))
    upgrade = inv(project, database, "db.upgrade")
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "(`DROP TRIGGER thand ON t`; `DROP FUNCTION set_c7()`;" in warning, warning
    # Both triggers that run set_both() are dropped: it goes after them, named once.
    assert (
        "`DROP TRIGGER tone ON t`; `DROP TRIGGER ttwo ON t`; `DROP FUNCTION set_both()`)"
    ) in warning, warning

    for statement in re.findall(r"`(DROP [^`]+)`", warning):
        database.query(statement)
    status = inv(project, database, "db.status")
    assert "against its revision rebuilt: same" in status.stdout, status.stdout
    assert "broken:" not in status.stdout, status.stdout


def test_check_says_status_s_broken_lines_with_status_s_exit_code(
    project: Project, database: ServerDatabase
) -> None:
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, TABLES))
    assert inv(project, database, "db.upgrade").returncode == 0
    if database.kind == "sqlite":  # it makes a trigger whatever its row names
        database.query("CREATE TRIGGER tgone BEFORE INSERT ON t BEGIN SELECT NEW.c9; END")
    elif database.kind == "postgresql":  # nor does PL/pgSQL read its body until it runs
        for statement in trigger(database, "tgone", "c9"):
            database.query(statement)
    else:  # MariaDB checks NEW.x when it makes the trigger, not when the column goes
        database.query(trigger(database, "tgone", "c7")[0])
        database.query("ALTER TABLE t DROP COLUMN c7")
    status = inv(project, database, "db.status")
    broken = [line for line in status.stdout.splitlines() if line.startswith("broken:")]
    # SQLite is asked itself, and says which column it lacks in its own words.
    said = (
        "cannot be prepared (no such column: NEW.c9" if database.kind == "sqlite" else "names NEW.c"
    )
    assert len(broken) == 1 and f"trigger tgone on t {said}" in broken[0], status.stdout

    check = inv(project, database, "db.check")
    assert broken[0] in check.stdout.splitlines(), check.stdout + check.stderr
    assert "They fail when they fire" in check.stdout, check.stdout
    assert check.returncode == status.returncode, check.stdout + check.stderr


# The models as the revisions leave t: what `db.check` compares the build with.
T_MODEL = """

class T(Base):
    __tablename__ = "t"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    c6: Mapped[int | None] = mapped_column(Integer)
"""


@only_on("postgresql", "mysql", why="SQLite refuses the drop of a column a trigger names")
def test_a_broken_object_alone_fails_status_and_check_until_a_revision_drops_it(
    project: Project, database: ServerDatabase
) -> None:
    project.append_models(T_MODEL, "Integer")
    write_made_and_dropping(project, database)
    assert inv(project, database, "db.upgrade").returncode == 0
    # At head, the models matching: only the broken trigger is wrong, and CI gating on
    # either command has to stop on it (every INSERT into t fails).
    status = inv(project, database, "db.status")
    assert status.returncode == 16, status.stdout + status.stderr
    assert "status:  up to date; and broken, failing when they fire" in status.stdout
    check = inv(project, database, "db.check")
    assert check.returncode == 16, check.stdout + check.stderr
    assert "No changes" in check.stdout, check.stdout
    assert one_error_line(check.stderr).startswith("error: but what the `broken:` lines"), (
        check.stderr
    )

    # The advised revision drops it: both are clean again.
    run_advised(project, database, status.stdout.splitlines()[-1], models_drift=False)
    assert inv(project, database, "db.check").returncode == 0
    assert inv(project, database, "db.status").returncode == 0
    assert inv(project, database, "db.check").returncode == 0


@only_on("postgresql", "mysql", why="SQLite has no stored function")
def test_a_hand_drop_of_a_revision_s_broken_function_is_read_as_a_revision_to_write(
    project: Project, database: ServerDatabase
) -> None:
    function = f"    op.execute({MADE[database.kind]['function']!r})"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, f"{TABLES}\n{function}"))
    dropping = revision_source(SECOND, FIRST, '    op.drop_column("t", "c6")')
    project.write_revision(f"{SECOND}_drop.py", dropping)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert f"the revisions made it (revision {FIRST})" in warning, warning
    assert 'op.execute("DROP FUNCTION IF EXISTS first_c6' in warning, warning

    database.query("DROP FUNCTION first_c6" + ("()" if database.kind == "postgresql" else ""))
    status = inv(project, database, "db.status")
    assert status.returncode == 9, status.stdout + status.stderr
    verdict = status.stdout.splitlines()[-1]
    assert "db.stamp" not in verdict, verdict
    assert "it lacks only what its revisions build broken (function first_c6" in verdict, verdict
    run_advised(project, database, verdict)


@only_on("postgresql", why="only PostgreSQL's trigger runs a function of its own")
def test_a_function_a_sound_trigger_still_runs_is_left_to_it(
    project: Project, database: ServerDatabase
) -> None:
    made = [
        "CREATE TABLE u (id integer PRIMARY KEY, c7 integer)",
        "CREATE FUNCTION set_both() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN NEW.c7 = 1; RETURN NEW; END $$",
        "CREATE TRIGGER tone BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION set_both()",
        "CREATE TRIGGER tu BEFORE INSERT ON u FOR EACH ROW EXECUTE FUNCTION set_both()",
    ]
    verdict = verdict_after_the_drop(project, database, made)
    assert 'op.execute("DROP TRIGGER IF EXISTS tone ON t")' in verdict, verdict
    assert 'set_both()")`' not in verdict, verdict  # tu on u runs it yet, u has c7
    run_advised(project, database, verdict)


@only_on("postgresql", why="only PostgreSQL's trigger runs a function of its own")
def test_a_revision_s_function_every_broken_trigger_runs_is_advised_dropped_once(
    project: Project, database: ServerDatabase
) -> None:
    made = [
        "CREATE FUNCTION set_both() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN NEW.c7 = 1; RETURN NEW; END $$",
        "CREATE TRIGGER tone BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION set_both()",
        "CREATE TRIGGER ttwo BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION set_both()",
    ]
    verdict = verdict_after_the_drop(project, database, made)
    assert "for trigger tone on t, trigger ttwo on t: the revisions made them" in verdict, verdict
    assert ADVISED.findall(verdict) == [
        "DROP TRIGGER IF EXISTS tone ON t",
        "DROP TRIGGER IF EXISTS ttwo ON t",
        "DROP FUNCTION IF EXISTS set_both()",
    ], verdict
    run_advised(project, database, verdict)
    assert not database.query("SELECT 1 FROM pg_proc WHERE proname = 'set_both'")


def verdict_after_the_drop(project: Project, database: ServerDatabase, made: list[str]) -> str:
    """Status's verdict once FIRST made t and ``made`` and SECOND dropped t.c7 (both run)."""
    body = "\n".join(f"    op.execute({statement!r})" for statement in made)
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, f"{TABLES}\n{body}"))
    project.write_revision(f"{SECOND}_drop.py", revision_source(SECOND, FIRST, DROP_C7))
    assert inv(project, database, "db.upgrade").returncode == 0
    return inv(project, database, "db.status").stdout.splitlines()[-1]


@only_on("postgresql", "mysql", why="SQLite has no stored function")
def test_a_revision_s_function_over_a_table_a_later_revision_renames_fails_status_and_check(
    project: Project, database: ServerDatabase
) -> None:
    # t49 NEW-S1: at head, the models matching, status said "up to date" and check "No
    # changes" (exit 0) over a function every call of which fails: its body names t still.
    project.append_models(T_MODEL.replace('"t"', '"t2"'), "Integer")
    function = f"    op.execute({MADE[database.kind]['function']!r})"
    project.write_revision(f"{FIRST}_t.py", revision_source(FIRST, None, f"{TABLES}\n{function}"))
    renaming = '    op.rename_table("t", "t2")\n    op.drop_column("t2", "c7")'
    if database.kind == "postgresql":  # the models name t2's primary key pk_t2
        renaming += '\n    op.execute("ALTER TABLE t2 RENAME CONSTRAINT pk_t TO pk_t2")'
    renaming = revision_source(SECOND, FIRST, renaming)
    project.write_revision(f"{SECOND}_rename.py", renaming)
    assert inv(project, database, "db.upgrade", "-r", FIRST).returncode == 0
    upgrade = inv(project, database, "db.upgrade")
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    # A rename is said as one, not as a drop.
    function = "first_c6()" if database.kind == "postgresql" else "first_c6"
    said = f"function {function} names table t, which the upgrade renamed to t2"
    assert said in upgrade.stderr, upgrade.stderr
    status = inv(project, database, "db.status")
    assert status.returncode == 16, status.stdout + status.stderr
    said = f"broken:  function {function} names table t, which a revision renamed to t2"
    assert said in status.stdout, status.stdout
    check = inv(project, database, "db.check")
    assert check.returncode == 16, check.stdout + check.stderr


# What a later revision runs to drop trev (and its function, on PostgreSQL).
DROP_TREV = {
    "postgresql": ["DROP TRIGGER trev ON t", "DROP FUNCTION set_c7()"],
    "mysql": ["DROP TRIGGER trev"],
}


@only_on("postgresql", "mysql", why="SQLite refuses the drop, or its batch copy loses triggers")
def test_a_broken_object_a_pending_revision_drops_is_left_to_it_not_to_a_new_revision(
    project: Project, database: ServerDatabase
) -> None:
    write_made_and_dropping(project, database)
    body = "\n".join(f"    op.execute({statement!r})" for statement in DROP_TREV[database.kind])
    project.write_revision(f"{THIRD}_fix.py", revision_source(THIRD, SECOND, body))
    upgrade = inv(project, database, "db.upgrade", "-r", SECOND)
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    (warning,) = [line for line in upgrade.stderr.splitlines() if line.startswith("warning:")]
    assert "trigger trev on t names NEW.c7" in warning, warning
    # Revision THIRD, not run yet, drops it: no new revision to write, the upgrade to run.
    assert "drop what fails" not in warning, warning
    assert f"revision {THIRD}, which has not run yet, drops it: run `inv db.upgrade`" in warning
    status = inv(project, database, "db.status")  # behind head: it says the same
    assert "drop what fails" not in status.stdout, status.stdout
    assert "pending migrations: run `inv db.upgrade`" in status.stdout, status.stdout
    # What it says works.
    upgraded = inv(project, database, "db.upgrade")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "warning" not in upgraded.stderr, upgraded.stderr
    assert "broken:" not in inv(project, database, "db.status").stdout
