"""Everything about migrations that ships with the service: Alembic's environment and its parts.

`python -m app.migrations upgrade [REV]` (and `current`) migrates the database `DATABASE_URL`
names, from a project checkout or from an installed wheel alike.
"""
