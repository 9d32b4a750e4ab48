"""Every option combination on PostgreSQL bakes clean, migrates and passes its own tests on
the PostgreSQL server in TEST_POSTGRESQL_URL (skipped, saying so, when it is unset)."""

from matrix_suite import MatrixSuite


class TestPostgresql(MatrixSuite):
    database = "postgresql"
