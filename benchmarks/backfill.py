"""A backfill against one big UPDATE, side by side, on a server: throughput, and what a probe
query writing to the same table waits meanwhile.

    toolkit/.venv/bin/python benchmarks/backfill.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test
    toolkit/.venv/bin/python benchmarks/backfill.py --url mysql+pymysql://root@127.0.0.1:3306/test

It creates a database of its own beside the URL's (dropped after), fills a table with --rows
rows, then, twice over the same rows: one `UPDATE ... WHERE <pending>` in one transaction, and
the toolkit's backfill runner (`alembic_steward.runtime._backfill_runs.run_backfill`, the code
behind `inv db.backfill run`). Meanwhile a probe thread updates one random row every 10 ms, as
the service would, and its latencies are kept. Targets (issue 23): the backfill's rows per
second at least half the big UPDATE's, and the probe's p99 under 100 ms during the backfill.
Prints one Markdown table; `--output FILE` appends it to a file.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SET = "email_lower = lower(email)"
PENDING = "email_lower IS NULL"
PROBE_EVERY_SECONDS = 0.01
P99_TARGET_MS = 100.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="a server URL (blocking driver)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--output", type=Path, help="append the table to this file")
    return parser.parse_args()


def main() -> int:
    arguments = parse_arguments()
    server = make_url(arguments.url)
    name = f"bench_backfill_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine = create_engine(server.set(database=name), pool_size=4)
    try:
        fill(engine, arguments.rows)
        big = measure(engine, lambda: big_update(engine))
        reset(engine)
        backfill = measure(engine, lambda: run_backfill(engine, arguments.batch_size))
    finally:
        engine.dispose()
        with admin.connect() as connection:
            drop = f"DROP DATABASE {name}"
            if server.get_backend_name() == "postgresql":
                drop += " WITH (FORCE)"
            connection.execute(text(drop))
        admin.dispose()
    table = report(server.get_backend_name(), arguments, big, backfill)
    print(table)
    if arguments.output:
        with arguments.output.open("a") as output:
            output.write("\n" + table)
    return 0


def fill(engine, rows: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(80) NOT NULL,"
                " email_lower VARCHAR(80), hits INTEGER NOT NULL DEFAULT 0)"
            )
        )
    step = 50_000
    with engine.begin() as connection:
        for start in range(1, rows + 1, step):
            values = [
                {"id": n, "email": f"User{n}@Example.COM"}
                for n in range(start, min(start + step, rows + 1))
            ]
            connection.execute(text("INSERT INTO users (id, email) VALUES (:id, :email)"), values)
    print(f"filled {rows} rows", file=sys.stderr)


def reset(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET email_lower = NULL"))
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE users")
            )


def big_update(engine) -> int:
    with engine.begin() as connection:
        return connection.execute(text(f"UPDATE users SET {SET} WHERE {PENDING}")).rowcount


def run_backfill(engine, batch_size: int) -> int:
    from alembic_steward.backfills import Backfill
    from alembic_steward.runtime._backfill_declarations import Declared
    from alembic_steward.runtime._backfill_runs import run_backfill as runner

    backfill = Backfill(
        name="bench_lower",
        table="users",
        key="id",
        set=SET,
        pending=PENDING,
        batch_size=batch_size,
        pause_seconds=0,
    )
    outcome = runner(
        engine,
        Declared(backfill, "bench"),
        resume=False,
        report=lambda progress: None,
        stop_requested=lambda: False,
    )
    return outcome.progress.rows


def measure(engine, work) -> dict:
    """Run ``work`` while the probe writes; return its rows, seconds and the probe's waits."""
    latencies: list[float] = []
    stop = threading.Event()
    rows_total = engine_rows(engine)

    def probe() -> None:
        with engine.connect() as connection:
            while not stop.is_set():
                started = time.perf_counter()
                connection.execute(
                    text("UPDATE users SET hits = hits + 1 WHERE id = :id"),
                    {"id": random.randint(1, rows_total)},
                )
                connection.commit()
                latencies.append((time.perf_counter() - started) * 1000)
                time.sleep(PROBE_EVERY_SECONDS)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    time.sleep(0.5)  # the probe's baseline before the work starts
    started = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - started
    stop.set()
    thread.join()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")
    return {
        "rows": rows,
        "seconds": seconds,
        "p99": p99,
        "max": ordered[-1] if ordered else float("nan"),
        "median": statistics.median(ordered) if ordered else float("nan"),
        "probes": len(ordered),
    }


def engine_rows(engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT max(id) FROM users")).scalar())


def report(dialect: str, arguments, big: dict, backfill: dict) -> str:
    ratio = (backfill["rows"] / backfill["seconds"]) / (big["rows"] / big["seconds"])
    verdict_rate = "ok" if ratio >= 0.5 else "MISSED"
    verdict_p99 = "ok" if backfill["p99"] < P99_TARGET_MS else "MISSED"
    lines = [
        f"### Backfill of {arguments.rows} rows on {dialect} (batch {arguments.batch_size})",
        "",
        "| run | rows | seconds | rows/s | probe median ms | probe p99 ms | probe max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, run in (("one big UPDATE", big), ("inv db.backfill run", backfill)):
        lines.append(
            f"| {label} | {run['rows']} | {run['seconds']:.1f} | {run['rows'] / run['seconds']:.0f}"
            f" | {run['median']:.1f} | {run['p99']:.1f} | {run['max']:.0f} |"
        )
    lines += [
        "",
        f"Backfill throughput {ratio:.2f}x the big UPDATE's (target >= 0.5: {verdict_rate});"
        f" probe p99 during the backfill {backfill['p99']:.1f} ms (target < 100: {verdict_p99}).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
