"""A worker process that dies fails its own tenant alone: the tenants running beside it in the
pool it broke run again in a new pool.

A README-only tester killed one worker (`kill -9`) of `db.upgrade --all-tenants --parallel 2`,
and the tenant on the other, still alive worker failed too ("this tenant's or another's"): the
pool stops every worker when one dies. README: one tenant's failure never stops the others.
"""

from __future__ import annotations

from pathlib import Path

from test_tenants import pg_query, report, schema_project


def test_a_killed_worker_fails_only_its_tenant_and_the_one_beside_it_is_upgraded(
    tmp_path: Path, postgresql_url: str
) -> None:
    project = schema_project(tmp_path, postgresql_url, ["k0", "k1"])
    second = project.versions / "0002_step.py"
    # k0 is still in its migration when k1's worker is killed, on the other worker.
    crash = (
        "def upgrade() -> None:\n"
        "    import os, signal, time\n"
        "    if op.get_bind().exec_driver_sql('SELECT current_schema()').scalar() == 'k1':\n"
        "        time.sleep(1)\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    op.execute('SELECT pg_sleep(3)')\n"
    )
    second.write_text(second.read_text().replace("def upgrade() -> None:\n", crash))
    ran = project.inv("db.upgrade", "--all-tenants", "--parallel", "2", "--json", code=76)
    rows = report(ran)
    assert rows["k0"]["outcome"] == "upgraded", rows["k0"]
    assert rows["k1"]["outcome"] == "failed", rows["k1"]
    assert "its worker process died" in rows["k1"]["detail"], rows["k1"]
    assert "another's" not in rows["k1"]["detail"], rows["k1"]
    assert pg_query(postgresql_url, "SELECT version_num FROM k0.alembic_version") == [("0003",)]
    assert pg_query(postgresql_url, "SELECT version_num FROM k1.alembic_version") == [("0001",)]
