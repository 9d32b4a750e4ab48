"""Tasks of rolling deploys and rollbacks: can an older release run against this database?

`db.upgrade --phase expand` (tasks/_migrate.py) and `db.wait --head` (tasks/_lifecycle.py)
are the other two; all three share runtime's judgement (runtime/_schema_fit.py).
"""

from __future__ import annotations

from invoke import Context, Exit, task

from alembic_steward.tasks._task_options import LongOnlyOptions
from alembic_steward.tasks._user_errors import exit_on_user_error


@task(
    klass=LongOnlyOptions,
    long_only=("ref",),
    help={
        "ref": "A tag, branch or commit of this repository, or a path to an installed release"
        " or a wheel (`--ref v1.4.0`)"
    },
)
@exit_on_user_error(reads_only=True)
def rollback_check(c: Context, ref: str | None = None) -> None:
    """Say whether the code at REF can run against this database (exit 0: yes)."""
    # A flag, not a positional argument: invoke would refuse `--help` without it.
    if ref is None:
        raise Exit(
            "error: name the release to check: `inv db.rollback-check --ref REF`, REF a tag,"
            " branch or commit, or a path to an installed release; nothing was checked",
            code=1,
        )
    from alembic_steward.runtime._release_histories import ReleaseNotReadable
    from alembic_steward.runtime._rollback_check import CANNOT_TELL, rollback_answer

    try:
        code, line = rollback_answer(ref)
    except ReleaseNotReadable as error:
        raise Exit(f"error: {error}; nothing was checked", code=CANNOT_TELL) from None
    if code != 0:
        raise Exit(line, code=code)
    print(line)
