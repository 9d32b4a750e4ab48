"""`inv db.previous-release-check`: the previous release's tests, run against a database this
checkout's expand phase upgraded, as during a rolling deploy.

The previous release is the newest git tag before this commit. Its code is checked out into a
temporary git worktree; a scratch database (never DATABASE_URL's) is upgraded to that release's
head and then with this checkout's `upgrade --phase expand`; then that release's tests run
against it, with this environment's libraries. A revision labelled expand that breaks the
previous release (a drop, a rename) fails its tests here instead of in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from invoke import Context, Exit, task

from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error

if TYPE_CHECKING:
    from sqlalchemy import URL

# The testing plugin reads it: the migrated-database fixtures use this database as it is, and
# the migration checks, which the release passed when it was made, are skipped.
EXPANDED_DATABASE_VARIABLE = "ALEMBIC_STEWARD_EXPANDED_DATABASE_URL"
# Every git call is local; this only bounds a stuck one (a hung network filesystem).
GIT_TIMEOUT_SECONDS = 60.0


def git(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run git in ``folder``; the result, whatever its exit code."""
    return subprocess.run(
        ["git", *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
    )


def has_uncommitted_changes(root: Path) -> bool:
    """Whether the working tree holds changes git has not committed (untracked files too)."""
    return bool(git(root, "status", "--porcelain", "--untracked-files=normal").stdout.strip())


def previous_release_tag(root: Path, uncommitted: bool) -> str | None:
    """The newest tag reachable from HEAD's parents, or None when there is none.

    A tag on HEAD itself is the release under test, not the previous one, unless the working
    tree has changes git has not committed: then the code under test is that working tree, and
    HEAD (tagged or not) is what it follows. Raises Exit when the project is not in a git
    checkout, or in a shallow one, whose tags cannot be told.
    """
    if git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise Exit(f"error: {root} is not in a git checkout, so it has no release tags", code=1)
    if git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        raise Exit(
            "error: this checkout is shallow, so the previous release's tag and code may be"
            " missing; fetch the whole history (`git fetch --unshallow --tags`; in GitHub"
            " Actions, actions/checkout with `fetch-depth: 0`)",
            code=1,
        )
    since = "HEAD" if uncommitted else "HEAD^"
    described = git(root, "describe", "--tags", "--abbrev=0", since)
    return described.stdout.strip() if described.returncode == 0 else None


@contextmanager
def worktree_at(root: Path, tag: str) -> Iterator[Path]:
    """Check ``tag`` out into a temporary git worktree; yield the project's folder in it."""
    prefix = git(root, "rev-parse", "--show-prefix").stdout.strip()
    with tempfile.TemporaryDirectory(prefix="previous-release-") as folder:
        checkout = Path(folder) / "checkout"
        added = git(root, "worktree", "add", "--detach", str(checkout), f"{tag}^{{commit}}")
        if added.returncode != 0:
            raise Exit(f"error: cannot check out {tag}: {added.stderr.strip()}", code=1)
        try:
            yield checkout / prefix
        finally:
            git(root, "worktree", "remove", "--force", str(checkout))
            git(root, "worktree", "prune")


def release_heads(release_migrations: Path, migrations: Path, tag: str) -> tuple[str, ...]:
    """The head revisions of ``tag``'s migrations folder; Exit when a head is not in this
    checkout's history at ``migrations`` (the history was rewritten since)."""
    from alembic.script import ScriptDirectory

    from alembic_steward._listing import named

    if not (release_migrations / "versions").is_dir():
        raise Exit(
            f"error: {tag} has no migrations folder {release_migrations.name}/versions", code=1
        )
    heads = tuple(ScriptDirectory(str(release_migrations)).get_heads())
    known = {script.revision for script in ScriptDirectory(str(migrations)).walk_revisions()}
    missing = [head for head in heads if head not in known]
    if missing:
        raise Exit(
            f"error: {tag}'s {named(missing, 'head', 'heads')}"
            f" {'is' if len(missing) == 1 else 'are'} not in this checkout's"
            " history, so"
            " no upgrade from that release can be checked; was the history rewritten?",
            code=1,
        )
    return heads


def server_for_scratch_database() -> URL:
    """Where the scratch database goes: TEST_DATABASE_URL's server, else DATABASE_URL's."""
    from sqlalchemy import make_url

    from alembic_steward._wiring import get_settings
    from alembic_steward.urls import with_driver

    url = os.environ.get("TEST_DATABASE_URL") or get_settings().database.value
    if not url:
        raise Exit(
            "error: neither TEST_DATABASE_URL nor DATABASE_URL is set, so there is no server to"
            " create the check's database on; set one (`cp .env.example .env`)",
            code=1,
        )
    return make_url(with_driver(url, use_async=False))


def deploy_step(project_root: Path, url: str, *arguments: str) -> None:
    """Run `python -m app.migrations ARGUMENTS` on ``url``, as a deploy's migration Job does."""
    from sqlalchemy import make_url

    from alembic_steward._wiring import active_steward

    parsed = make_url(url)  # without its driver: the service picks its own, as in production
    plain = parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=False)
    command = [sys.executable, "-m", active_steward().package, *arguments]
    completed = subprocess.run(
        command, cwd=project_root, env={**os.environ, "DATABASE_URL": plain}, check=False
    )
    if completed.returncode != 0:
        shown = " ".join([active_steward().deploy_command, *arguments])
        raise Exit(f"error: `{shown}` failed on the check's database (its line is above)", code=1)


def run_release_tests(project: Path, url: str) -> int:
    """Run the release's tests in ``project`` against the database at ``url``; pytest's code."""
    path = os.pathsep.join(filter(None, [str(project), os.environ.get("PYTHONPATH")]))
    environment = {
        **os.environ,
        "PYTHONPATH": path,  # the release's own `app` and `tests`, ahead of this checkout's
        "DATABASE_URL": url,
        EXPANDED_DATABASE_VARIABLE: url,
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return subprocess.run(command, cwd=project, env=environment, check=False).returncode


@task(
    klass=LongOnlyOptions,
    long_only=("tag",),  # -t is db.wait's --timeout: a short flag means one thing
    help={
        "tag": "The release whose tests run (default: the newest tag before this commit; long"
        " only: -t is db.wait's --timeout)"
    },
)
@exit_on_user_error(reads_only=True)
def previous_release_check(c: Context, tag: str = "") -> None:
    """Run the previous release's tests on a database upgraded with `--phase expand`."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.inspection._scratch_database import scratch_database

    steward = active_steward()
    root = steward.project_root
    uncommitted = has_uncommitted_changes(root)
    tag = tag or previous_release_tag(root, uncommitted) or ""
    if uncommitted:
        print(
            "note: this checkout has changes git has not committed; they are the code under"
            f" test, checked against {tag or 'no release'}",
            file=sys.stderr,
        )
    if not tag:
        print("Skipped: no release tag before this commit, so no previous release to check.")
        return
    migrations = steward.migrations_dir
    with (
        worktree_at(root, tag) as release,
        scratch_database(server_for_scratch_database(), "previous") as scratch,
    ):
        url = scratch.render_as_string(hide_password=False)
        release_migrations = release / migrations.relative_to(root)
        for head in release_heads(release_migrations, migrations, tag):
            deploy_step(root, url, "upgrade", head)
        deploy_step(root, url, "upgrade", "--phase", "expand")
        print(f"Running the tests of {tag} on that database.", flush=True)
        code = run_release_tests(release, url)
    if code == 5:  # pytest: no tests collected
        print(f"Skipped: {tag} has no tests to run.")
    elif code != 0:
        raise Exit(
            f"error: the tests of {tag} fail on a database upgraded with this checkout's"
            " `--phase expand` (their failures are above): a revision labelled expand breaks the"
            ' previous release; make it additive, or label it `phase = "contract"` so it runs'
            " once the rollout is done",
            code=1,
        )
    else:
        print(f"The tests of {tag} pass on a database upgraded with `--phase expand`.")
