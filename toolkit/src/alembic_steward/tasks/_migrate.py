"""Tasks that write revisions and move the database along them: revision, merge, upgrade, downgrade.

Each task calls Alembic's Python API in-process with the config from runtime/_config.py.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from invoke import Context, Exit, Task, task

from alembic_steward.tasks._protection import confirm_destructive
from alembic_steward.tasks._tenants import FAN_OUT_HELP, FAN_OUT_OPTIONS, fans_out, run_fan_out
from alembic_steward.tasks._user_errors import exit_on_user_error

SQL_HELP = "Print the SQL instead of running it (offline; the database is not touched)"
YES_HELP = "Run even when the environment is protected, without asking"


def require_message(message: str | None, task_name: str) -> None:
    """Refuse a missing or blank message before anything is written."""
    # An optional flag, not a positional argument: `inv db.revision --help` must show help.
    if message is None or not message.strip():
        example = "Merge heads" if task_name == "merge" else "Add users table"
        raise Exit(
            f"error: a {task_name} needs a message saying what it does;"
            f' run `inv db.{task_name} -m "{example}"`; nothing was written',
            code=1,
        )


def report_written(written: Any) -> None:
    """Print `Created revision <id>: <path>`, the path relative to the project root."""
    from alembic_steward._wiring import shown_path

    print(f"Created revision {written.revision}: {shown_path(Path(written.path))}")


def report_skipped_formatting(config: Any) -> None:
    """Say in one line that the revision was left unformatted, when its formatter is missing."""
    missing = getattr(config, "skipped_hook_modules", ())
    if missing:
        print(
            f"note: {', '.join(missing)} is not installed (the dev extra), so the revision was"
            " not formatted; `python -m pip install -e '.[dev]'`, then `inv format`"
        )


class LongOnlyOptions(Task):
    """A task whose options named in ``long_only`` get no short flag.

    invoke gives each option the first free letter of its name; `--rev-id` would get `-v`,
    which means `--verbose` in every other task.
    """

    def __init__(self, *args: Any, long_only: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.long_only = long_only

    def get_arguments(self, ignore_unknown_help: bool | None = None) -> list[Any]:
        arguments = super().get_arguments(ignore_unknown_help)
        for argument in arguments:
            # invoke sets attr_name only where it differs from the name (`rev_id`, not `ref`).
            if (argument.attr_name or argument.name) in self.long_only:
                argument.names = argument.names[:1]
        return arguments


@task(
    klass=LongOnlyOptions,
    long_only=("rev_id",),
    help={
        "message": "What the revision does, e.g. 'Add users table' (becomes part of the file name)",
        "empty": "Write a blank revision to fill in by hand instead of autogenerating from models",
        "revision": "Not taken here: -r names an existing revision in every task; see --rev-id",
        "rev_id": "The new revision's id instead of a generated one, e.g. 0001_add_users",
    },
)
@exit_on_user_error
def revision(
    c: Context,
    message: str | None = None,
    empty: bool = False,
    revision: str | None = None,
    rev_id: str | None = None,
) -> None:
    """Create a revision from the differences between the models and the database."""
    if revision is not None:
        # `-r head` meant "on top of head" to whoever typed it, and wrote a revision called
        # `head`: a new revision always follows the head, and its own id is --rev-id.
        raise Exit(
            "error: db.revision takes no -r (in every task -r names an existing revision, and"
            " a new revision always follows the head); to choose the new revision's own id,"
            " use --rev-id ID; nothing was written",
            code=1,
        )
    require_message(message, "revision")
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from alembic_steward.inspection._unwritable_changes import collecting_unwritable_changes
    from alembic_steward.lint._task import review_written_revision
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._env import CATALOGS_MATCH
    from alembic_steward.runtime._revision_ids import check_revision_id
    from alembic_steward.tasks._revision_checks import (
        MODELS_REFUSED,
        checked_around_writing,
        nothing_written_error,
        verify_written,
    )

    # Alembic refuses several heads, but may first say the database is not up to date, which no
    # upgrade can fix: on a failure, several heads are named instead. Checking before every
    # revision would read the whole history one extra time.
    config = build_alembic_config(autogenerate=not empty, quiet=True)
    if rev_id is not None:
        # A blank revision runs no env.py, so its hook cannot check: the id is checked here.
        history = ScriptDirectory.from_config(config).walk_revisions()
        check_revision_id(rev_id, existing={script.revision for script in history})
    with ExitStack() as checks:
        # Autogenerate compares with the database: one that differs from its own revision is
        # refused here, and what is written is then run on a copy of that revision.
        scratch = None if empty else checks.enter_context(checked_around_writing(config))
        try:
            with collecting_unwritable_changes() as by_hand:
                written = command.revision(
                    config, message=message, autogenerate=not empty, rev_id=rev_id
                )
        except CommandError as error:
            if str(error).startswith("Target database is not up to date"):
                refuse_several_heads(config)
            raise
        # Two revisions when the change needs an expand and a contract
        # (runtime/_phase_revisions.py).
        written = written if isinstance(written, list) else [written] if written else []
        if written:
            record_head(written)
        for script in written:
            report_written(script)
        if written:
            report_skipped_formatting(config)
        # The file is kept whatever it builds (docs/decisions.md); what it lacks, or the call
        # that fails in it, is named. With nothing written, what differs is all autogenerate
        # could not write.
        incomplete = verify_written(scratch, written, config) if scratch else None
    if config.attributes.get(CATALOGS_MATCH):
        by_hand = []  # autogenerate's blind spots, on models that match the database
    if scratch is None:  # the catalogs were not compared: Alembic's own warnings say it
        for advice in by_hand:
            print(f"warning: {advice}")
    if not written and (by_hand or scratch is not None and scratch.left):
        raise nothing_written_error("autogenerate cannot write the changes above")
    if not written:
        print("No changes detected in the models; no revision file written.")
        return
    for script in written:
        review_written_revision(script.revision)
    if incomplete is not None:
        raise incomplete
    refused = config.attributes.get(MODELS_REFUSED)
    if refused:
        raise models_refused_error(written[-1], refused)
    if scratch is not None and scratch.after is not None:
        from alembic_steward.tasks._history import refresh_schema_file

        refresh_schema_file(scratch.after, config)
    elif empty:
        from alembic_steward.tasks._history import refresh_schema_heads

        refresh_schema_heads(config)


def models_refused_error(script: Any, reason: str) -> Exit:
    """The written revision cannot be trusted: the server refuses the models it was written
    from, and autogenerate leaves out what it cannot write (a column's named CHECK on
    MariaDB), so the file may lack a part nothing else would name."""
    from pathlib import Path

    from alembic_steward._wiring import shown_path

    return Exit(
        f"error: revision {script.revision} was written to {shown_path(Path(script.path))},"
        f" but it could not be checked: {reason}; the app cannot create those tables on this"
        " server either. Fix the models so that it accepts them (a CHECK constraint on MariaDB:"
        " in the table's __table_args__), then check the file with `inv db.check`",
        code=1,
    )


def refuse_several_heads(config: Any) -> None:
    """Point to `db.merge` when the history has several heads, whatever Alembic tripped on first."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from alembic_steward.inspection._database_state import several_heads_message

    heads = ScriptDirectory.from_config(config).get_heads()
    if len(heads) > 1:
        raise CommandError(several_heads_message(heads))


@task(help={"message": "What the merge joins, e.g. 'Merge heads' (becomes part of the file name)"})
@exit_on_user_error
def merge(c: Context, message: str | None = None) -> None:
    """Merge every head into one revision."""
    require_message(message, "merge")
    from alembic import command
    from alembic.script import ScriptDirectory

    from alembic_steward.runtime._config import build_alembic_config

    config = build_alembic_config(quiet=True)
    if len(ScriptDirectory.from_config(config).get_heads()) < 2:
        raise Exit("error: the history has one head; there is nothing to merge", code=1)
    written = command.merge(config, "heads", message=message)
    report_written(written)
    record_head(written)


def record_head(written: Any) -> None:
    """Name the revision just written (the new single head) in the history's head file."""
    from alembic_steward.runtime._head_file import write_head_file

    # Several files (an expand and a contract revision) are written as a chain: the last is
    # the new head.
    last = written[-1] if isinstance(written, list) else written
    write_head_file(Path(last.path).parent, [last.revision])


@task(
    klass=LongOnlyOptions,
    long_only=(*FAN_OUT_OPTIONS, "json"),
    help={
        "revision": "Target revision, e.g. 4f8376af1811 or +1 (default: head)",
        "sql": SQL_HELP,
        "phase": "expand: stop before the first pending contract revision; contract: to head",
        **FAN_OUT_HELP,
        "json": "With --all-tenants or --tenants: print the per-tenant report as JSON",
    },
)
@exit_on_user_error
def upgrade(
    c: Context,
    revision: str = "head",
    sql: bool = False,
    phase: str | None = None,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenancy: str | None = None,
    parallel: str | None = None,
    canary: int = 0,
    shard: str | None = None,
    json: bool = False,
) -> None:
    """Apply migrations up to head, or up to the revision given with -r."""
    from alembic import command

    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument

    check_revision_argument(revision, ranges=sql)
    if phase is not None:
        refuse_target_with_phase(revision, sql)
    alone = {"tenancy": tenancy, "parallel": parallel, "canary": canary, "shard": shard}
    if fans_out(all_tenants, tenants, **alone, json=json):
        refuse_sql_with_tenants(sql)
        run_fan_out(
            "upgrade",
            revision,
            tenants=tenants,
            tenancy=tenancy,
            parallel=parallel,
            canary=canary,
            shard=shard,
            as_json=json,
            phase=phase,
        )
        return
    if phase is not None:
        upgrade_through_phase(phase)
        return
    if sql:
        print_offline(build_alembic_config(), "upgrade", revision)
        return
    command.upgrade(build_alembic_config(), revision)


def refuse_target_with_phase(revision: str, sql: bool) -> None:
    """Refuse -r and --sql beside --phase, which chooses where the upgrade stops."""
    if revision != "head" or sql:
        raise Exit(
            "error: --phase chooses where the upgrade stops, so it takes neither -r nor --sql;"
            " nothing was run",
            code=1,
        )


def upgrade_through_phase(phase: str) -> None:
    """Run `db.upgrade --phase PHASE`, which chooses its own target (runtime/_phased_upgrade.py)."""
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._phased_upgrade import upgrade_phase
    from alembic_steward.runtime._up_to_date import database_revisions

    print(upgrade_phase(build_alembic_config(), phase, database_revisions(None)))


@task(
    klass=LongOnlyOptions,
    long_only=(*FAN_OUT_OPTIONS, "json"),
    help={
        "revision": "Target revision, e.g. 4f8376af1811 or base (default: -1, one step)",
        "sql": SQL_HELP + "; needs a range, e.g. -r 4f8376af1811:base",
        "yes": YES_HELP,
        **FAN_OUT_HELP,
        "json": "With --all-tenants or --tenants: print the per-tenant report as JSON",
    },
)
@exit_on_user_error
def downgrade(
    c: Context,
    revision: str = "-1",
    sql: bool = False,
    yes: bool = False,
    all_tenants: bool = False,
    tenants: str | None = None,
    tenancy: str | None = None,
    parallel: str | None = None,
    canary: int = 0,
    shard: str | None = None,
    json: bool = False,
) -> None:
    """Revert the last migration, or every migration after the revision given with -r."""
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.runtime._revision_ids import check_revision_argument
    from alembic_steward.tasks._announced_downgrade import RevertPlan, downgrade_announcing

    check_revision_argument(revision, ranges=sql)
    alone = {"tenancy": tenancy, "parallel": parallel, "canary": canary, "shard": shard}
    if fans_out(all_tenants, tenants, **alone, json=json):
        refuse_sql_with_tenants(sql)
        if revision.startswith(("-", "+")):
            # Tenants may stand at different revisions: one step back means something else
            # on each, so the target is named.
            raise Exit(
                "error: a downgrade with --all-tenants or --tenants needs a target revision,"
                " not a step: name it with -r REV (a revision id, or base); nothing was run",
                code=1,
            )
        confirm_destructive(c, "downgrade", yes)
        run_fan_out(
            "downgrade",
            revision,
            tenants=tenants,
            tenancy=tenancy,
            parallel=parallel,
            canary=canary,
            shard=shard,
            as_json=json,
        )
        return
    config = build_alembic_config()
    if sql:
        print_offline(config, "downgrade", revision)
        return
    # On a terminal the list comes first, then the question: confirm only what you have seen.
    plan = RevertPlan(config, revision, announce_reverts)
    confirm_destructive(c, "downgrade", yes, preview=plan.preview)
    downgrade_announcing(config, revision, plan.announce)


def refuse_sql_with_tenants(sql: bool) -> None:
    """Refuse --sql beside --all-tenants or --tenants, before anything runs."""
    if sql:
        raise Exit(
            "error: --sql cannot be combined with --all-tenants or --tenants (each tenant runs"
            " online, to the target); run it without them; nothing was run",
            code=1,
        )


def print_offline(config: Any, direction: str, revision: str) -> None:
    """Print the SQL of ``direction`` over ``revision`` (a range), changing nothing."""
    from alembic_steward.runtime._offline_runs import offline_run
    from alembic_steward.tasks._offline_sql import print_range_sql

    with offline_run(f"db.{direction} --sql"):
        print_range_sql(config, direction, revision)


def announce_reverts(scripts: list[Any]) -> None:
    """List the revisions a downgrade is about to revert, newest first."""
    if not scripts:
        print("Nothing to revert: the database is already at the target.")
        return
    print(f"Reverting {len(scripts)} revision(s):")
    for script in scripts:
        print(f"  {script.revision}  {(script.doc or '').strip()}")
