"""Every option combination on MySQL bakes clean, migrates and passes its own tests on
the MySQL/MariaDB server in TEST_MYSQL_URL (skipped, saying so, when it is unset)."""

from matrix_suite import MatrixSuite


class TestMysql(MatrixSuite):
    database = "mysql"
