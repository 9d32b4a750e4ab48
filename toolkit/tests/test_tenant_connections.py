"""A tenant's run reads and migrates on one blocking connection, an asyncio service's too."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from project import Project
from tenant_projects import make_tenant_project

HEAD = "0003"


def test_an_asyncio_service_migrates_each_tenant_file_to_head(tmp_path: Path) -> None:
    main = tmp_path / "service.db"
    project = Project.copy_to(
        tmp_path / "service", DATABASE_URL=f"sqlite+aiosqlite:///{main}", FIXTURE_ASYNC="1"
    )
    make_tenant_project(project, "database", ["north", "south"])
    for name in ("north", "south"):
        sqlite3.connect(tmp_path / f"service_{name}.db").close()
    ran = project.run("python", "-m", "app.migrations", "upgrade", "--all-tenants")
    assert ran.returncode == 0, ran.stderr
    assert "2 tenants: 2 upgraded" in ran.stdout
    for name in ("north", "south"):
        connection = sqlite3.connect(tmp_path / f"service_{name}.db")
        try:
            assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
                (HEAD,)
            ]
            applied = connection.execute("SELECT revision FROM applied ORDER BY revision")
            assert applied.fetchall() == [("0001",), ("0002",), ("0003",)]
        finally:
            connection.close()
    rerun = project.run("python", "-m", "app.migrations", "upgrade", "--all-tenants")
    assert "2 tenants: 2 at head" in rerun.stdout
