"""The test suite's PostgreSQL database pool drops every database it made, even one whose CREATE
was under way when the pool closed (a passing CI run left one `safety_*` database behind)."""

from __future__ import annotations

import threading
import time

from database_pool import DatabasePool


def test_a_database_made_while_the_pool_closes_is_dropped_too() -> None:
    statements: list[str] = []
    creating = threading.Event()
    release = threading.Event()

    def execute(sql: str) -> None:
        if sql.startswith("CREATE") and not statements:
            creating.set()
            assert release.wait(10), "the test never let the first CREATE finish"
        statements.append(sql)

    pool = DatabasePool(execute, ahead=1)
    assert creating.wait(10)
    closing = threading.Thread(target=pool.close)
    closing.start()
    deadline = time.monotonic() + 10
    while not pool._closing:  # close() has begun: the CREATE now ends after it
        assert time.monotonic() < deadline
        time.sleep(0.01)
    release.set()
    closing.join(10)
    assert not closing.is_alive()
    made = {sql.split()[-1] for sql in statements if sql.startswith("CREATE")}
    dropped = {sql.split()[4] for sql in statements if sql.startswith("DROP")}
    assert made and made <= dropped, statements
