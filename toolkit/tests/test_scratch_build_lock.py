"""A scratch build takes no migration lock on its scratch database: the database is the run's
alone (a new random name, dropped after), and the lock's session cost the server one more
connection per revision built, on every `inv db.status` and `inv db.check`."""

from __future__ import annotations

from failures import stopped_once_started
from project import Project
from servers import ServerDatabase, only_on
from test_interrupts import SLEEPING_IN_A_SCRATCH_BUILD, after_first

# The advisory locks held in a scratch database of this test's database (named after it), by
# any session: other tests' scratch databases, on the same server at the same time, are theirs.
SCRATCH_ADVISORY_LOCKS = (
    "SELECT count(*) FROM pg_locks AS l JOIN pg_database AS d ON d.oid = l.database"
    " WHERE l.locktype = 'advisory' AND starts_with(d.datname, '{own_scratch}')"
)


@only_on("postgresql", why="the lock that was taken is PostgreSQL's advisory lock")
def test_a_scratch_build_holds_no_migration_lock(project: Project, database: ServerDatabase):
    after_first(project, "slow", SLEEPING_IN_A_SCRATCH_BUILD)
    upgraded = project.run("inv", "db.upgrade", env={"DATABASE_URL": database.url})
    assert upgraded.returncode == 0, upgraded.stderr
    database.query("ALTER TABLE slow ADD COLUMN nickname VARCHAR(20)")
    locks: list[int] = []

    def count_locks(_running) -> None:
        own_scratch = f"{database.url.rsplit('/', 1)[1]}_scratch_"
        locks.append(database.query(SCRATCH_ADVISORY_LOCKS.format(own_scratch=own_scratch))[0][0])

    code, stderr = stopped_once_started(
        project, ("inv", "db.status"), while_running=count_locks, DATABASE_URL=database.url
    )
    assert code == 130, stderr
    assert locks == [0]
