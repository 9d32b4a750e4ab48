"""The service's migrations: Alembic's env.py and versions/, wired to the app here.

`python -m app.migrations upgrade [REV]` (and `current`) migrates the database `DATABASE_URL`
names, from a project checkout or from an installed wheel alike. The options below are the
toolkit's extension points (alembic-steward's README lists them all).
"""

from alembic_steward import Steward

steward = Steward(
    __name__,
    metadata="app.models:Base.metadata",
    settings="app.settings:get_settings",
    engine="app.database:get_blocking_engine",
    seed="app.seeds:seed",
    sample_rows="tests.migration_rows:SAMPLE_VALUES",
    # A schema or a database per tenant: name a callable listing them, and
    # `inv db.upgrade --all-tenants` migrates each one (README, "Tenants").
    # tenants="app.tenants:list_tenants",
    # tenancy="schema",  # or "database"
)


def __getattr__(name: str) -> object:
    # `from app.migrations import ensure_up_to_date` (the start-up guard), loaded on first use
    # so that `inv --list` never imports Alembic.
    import alembic_steward

    return getattr(alembic_steward, name)
