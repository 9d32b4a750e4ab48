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


def test_used_databases_are_dropped_in_batches_and_all_at_close() -> None:
    # Each DROP DATABASE forces a checkpoint: one right after each test flushed every other
    # test's dirty buffers, so drops wait and run back to back (docs/decisions.md).
    statements: list[str] = []
    executed = threading.Condition()

    def execute(sql: str) -> None:
        with executed:
            statements.append(sql)
            executed.notify_all()

    def drops() -> list[str]:
        return [sql.split()[4] for sql in statements if sql.startswith("DROP")]

    pool = DatabasePool(execute, ahead=1, drop_batch=3)
    used = [pool.take(), pool.take()]
    for name in used:
        pool.give_back(name)
    time.sleep(0.3)  # what the thread would have dropped by now, it has
    assert drops() == []
    used.append(pool.take())
    pool.give_back(used[-1])
    with executed:
        assert executed.wait_for(lambda: len(drops()) == 3, timeout=10), statements
    assert drops() == used
    last = pool.take()
    pool.give_back(last)
    pool.close()
    made = {sql.split()[-1] for sql in statements if sql.startswith("CREATE")}
    assert set(drops()) == made, statements
    assert len(made) == len(statements) - len(drops())  # each database made once
