"""The schema file after a git merge: generated, so `db.rebase` and `db.merge` rebuild it.

Its heads line differs on every branch that added a revision, so a merge of two such branches
always stops on it as well as on `versions/HEAD`. Merging its text by hand cannot be right (only
a build of the one history says what it holds): the task that makes the history one again
rebuilds the file from a scratch database and stages it, as `inv db.schema` would write it.
"""

from __future__ import annotations

from pathlib import Path

CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")


def schema_file_paths() -> list[Path]:
    """Every schema file of the project (one per kind of database it was written on)."""
    from alembic_steward._wiring import active_steward
    from alembic_steward.tasks._history import SCHEMA_FILE

    return sorted(active_steward().migrations_dir.glob(SCHEMA_FILE.format(dialect="*")))


def holds_conflict(path: Path) -> bool:
    """Whether git left its conflict markers in ``path``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return any(line.startswith(CONFLICT_MARKERS) for line in lines)


def unmerged_in_git(paths: list[Path]) -> set[Path]:
    """Those of ``paths`` git reports as unmerged; none outside a git checkout."""
    from alembic_steward.tasks._git import GitError, checkout_root, conflicted_paths

    if not paths:
        return set()
    try:
        root = checkout_root(paths[0].parent)
        conflicted = {(root / name).resolve() for name in conflicted_paths(root)}
    except GitError:
        return set()
    return {path for path in paths if path.resolve() in conflicted}


def rebuild_schema_files(only_conflicted: bool, stage_all: bool, why: str) -> None:
    """Rebuild the schema file(s) from the history's one head and stage those git stopped on.

    ``only_conflicted``: leave a file without a conflict alone (`db.merge`, which keeps a file
    written at the heads it joins current by itself). ``stage_all``: stage every file rebuilt
    (`db.rebase` stages all it rewrites), not only those git stopped on. A file of another kind
    of database than ``DATABASE_URL``'s cannot be built here: the line says how.
    """
    from alembic_steward._wiring import shown_path
    from alembic_steward.tasks._git import git
    from alembic_steward.tasks._history import schema_path, server_url

    paths = schema_file_paths()
    unmerged = unmerged_in_git(paths)
    chosen = [p for p in paths if not only_conflicted or p in unmerged or holds_conflict(p)]
    if not chosen:
        return
    try:
        buildable = schema_path(server_url().get_backend_name()).resolve()
    except Exception as error:  # noqa: BLE001 - the rebase or merge stands; the file is said
        for path in chosen:
            print(not_rebuilt_line(path, why, error))
        return
    for path in chosen:
        shown = shown_path(path)
        if path.resolve() != buildable:
            print(
                f"warning: {shown} ({why}) is for another kind of database than DATABASE_URL's:"
                f" run `inv db.schema` with DATABASE_URL naming one of that kind, then"
                f" `git add {shown}`"
            )
            continue
        try:
            written = write_schema_file(path)
        except Exception as error:  # noqa: BLE001 - the rebase or merge stands; the file is said
            print(not_rebuilt_line(path, why, error))
            continue
        if path in unmerged or stage_all and tracked(path):
            git(path.parent, "add", "--", str(path))
            print(
                f"Rebuilt {shown} at head {written} as `inv db.schema` does ({why}); staged in git."
            )
        else:
            print(
                f"Rebuilt {shown} at head {written} as `inv db.schema` does ({why}); commit it"
                " with the revisions."
            )


def not_rebuilt_line(path: Path, why: str, error: Exception) -> str:
    """The warning for a schema file the rebase or merge (whose result stands, already
    staged) could not rebuild: why, in one line, and the commands that rebuild it."""
    from alembic_steward._wiring import shown_path
    from alembic_steward.tasks._user_errors import without_password

    shown = shown_path(path)
    try:
        reason = f"{type(error).__name__}: {without_password(str(error)).strip().splitlines()[0]}"
    except Exception:  # noqa: BLE001 - no settings to hide the password with: the type alone
        reason = type(error).__name__
    return (
        f"warning: {shown} ({why}) could not be rebuilt ({reason}); the"
        f" history is rewritten all the same: once the cause is fixed (DATABASE_URL set to a"
        f" database of its kind, the models and revisions importable), run `inv db.schema`, then"
        f" `git add {shown}`"
    )


def tracked(path: Path) -> bool:
    """Whether git tracks ``path`` (False outside a checkout)."""
    from alembic_steward.tasks._git import git

    listed = git(path.parent, "ls-files", "--error-unmatch", "--", path.name, check=False)
    return bool(listed.strip())


def write_schema_file(path: Path) -> str:
    """Build the history at head in a scratch database and write ``path``; the heads, joined."""
    from alembic.script import ScriptDirectory

    from alembic_steward.inspection._schema_build import catalog_at_heads
    from alembic_steward.inspection._schema_file import render_schema
    from alembic_steward.runtime._config import build_alembic_config
    from alembic_steward.tasks._history import server_url, write_atomically

    heads = list(ScriptDirectory.from_config(build_alembic_config(quiet=True)).get_heads())
    write_atomically(path, render_schema(catalog_at_heads(server_url()), heads))
    return ",".join(sorted(heads)) or "base"
