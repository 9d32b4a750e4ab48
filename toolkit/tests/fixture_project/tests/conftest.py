"""The migration toolkit's fixtures (alembic_steward.testing.plugin), and room for your own.

Each test gets a database of its own, never the one DATABASE_URL names: on the server
TEST_DATABASE_URL (else DATABASE_URL) names, created fresh and dropped after; on SQLite, a
temporary file.
"""

pytest_plugins = ["alembic_steward.testing.plugin"]
