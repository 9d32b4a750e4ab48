"""`rollback-check REF`: before a rollback, whether the code of REF can run against this database.

The answer is the start-up guard's (runtime/_schema_fit.py), for another release's revision
files: yes when the database is at that release's head or ahead of it by expand revisions
only; no when a contract revision it lacks has run here (named), or when the database is
behind it.
"""

from __future__ import annotations

from alembic_steward.runtime._schema_fit import (
    AHEAD_BY_CONTRACT,
    AHEAD_BY_EXPAND,
    AT_HEAD,
    UNKNOWN,
)

RUNS = 0  # exit code: that code can run against this database
DOES_NOT_RUN = 1  # it cannot: contract revisions in the way, or the database is behind it
CANNOT_TELL = 2  # revisions without a recorded phase; or the release could not be read


def rollback_answer(release: str, database_url: str | None = None) -> tuple[int, str]:
    """(exit code, one line) answering whether the code of ``release`` (a git ref, or a path
    to an installed or unpacked release or a wheel) can run against the database.

    ``database_url`` defaults to the app's settings'. Raises ReleaseNotReadable (a
    CommandError) when ``release`` cannot be read, SQLAlchemyError when the database cannot.
    """
    from alembic_steward._wiring import active_steward
    from alembic_steward.runtime._release_histories import release_history
    from alembic_steward.runtime._schema_fit import schema_fit
    from alembic_steward.runtime._up_to_date import read_database, revisions_and_phases

    steward = active_steward()
    history = release_history(release, steward.versions_dir, steward.package)
    current, recorded = read_database(database_url, lambda c: revisions_and_phases(c, None))
    fit = schema_fit(history, current, recorded)
    names = ", ".join(fit.revisions)
    head = ", ".join(sorted(history.heads)) or "base"
    if fit.verdict == AT_HEAD:
        return RUNS, f"yes: the database is at {head}, the head of {release}"
    if fit.verdict == AHEAD_BY_EXPAND:
        return RUNS, (
            f"yes: the database is ahead of {release} by expand revision(s) {names} only,"
            " which leave its code working"
        )
    if fit.verdict == AHEAD_BY_CONTRACT:
        return DOES_NOT_RUN, (
            f"no: contract revision(s) {names} ran here and are not in {release}, whose code"
            " may not work without what they removed or changed; revert them first from the"
            f" newer code (`inv db.downgrade -r {head}` in its checkout), or roll back less far"
        )
    at = ", ".join(sorted(current)) or "no revision"
    if fit.verdict == UNKNOWN:
        return CANNOT_TELL, (
            f"cannot tell: the database is at {at}; {names} is not in {release} and has no"
            " recorded phase (it ran before phases were recorded, or on another branch)"
        )
    return DOES_NOT_RUN, (
        f"no: the database is at {at}, behind the head of {release} ({head}); that release's"
        " migrations must upgrade it before its code can run"
    )
