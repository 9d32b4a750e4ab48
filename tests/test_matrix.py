"""Every option combination on SQLite bakes clean, migrates and passes its own tests.

The tests are in matrix_suite.py; the PostgreSQL and MySQL runs are in test_matrix_postgresql.py
and test_matrix_mysql.py, so pytest-xdist runs the three databases in parallel.
"""

from matrix_suite import MatrixSuite


class TestSqlite(MatrixSuite):
    database = "sqlite"
