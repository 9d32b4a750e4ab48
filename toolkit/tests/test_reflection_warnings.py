"""Warnings about what SQLAlchemy's reflection skips are not shown: the toolkit's catalog
describes those objects itself, so the warning says nothing the user can act on."""

from __future__ import annotations

from project import Project
from test_drift_advice import STATUS_DRIFT

ORDERS_LAST_COLUMN = "    email: Mapped[str] = mapped_column(sa.String(50))\n"
NOTE = "    note: Mapped[str | None] = mapped_column(sa.String(50))\n"
ORDERS = """
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(50))


sa.Index("ix_orders_lower_email", sa.func.lower(Order.email))
"""


def test_an_expression_index_on_sqlite_prints_no_reflection_warning(project: Project) -> None:
    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + ORDERS)
    project.inv("db.revision", "-m", "Add orders")
    project.inv("db.upgrade")
    # Drift on the table with the index: every task then reflects it through autogenerate.
    models.write_text(models.read_text().replace(ORDERS_LAST_COLUMN, ORDERS_LAST_COLUMN + NOTE))
    tasks = [("db.check",), ("db.status",), ("db.revision", "-m", "Add note"), ("db.upgrade",)]
    for number, (task, code) in enumerate(
        zip(tasks, (STATUS_DRIFT, STATUS_DRIFT, 0, 0), strict=True)
    ):
        # A cold cache each time: a warm one would skip the reflection that warns.
        cache = {"ALEMBIC_STEWARD_CACHE": str(project.path.parent / f"cache-{number}")}
        stderr = project.inv(*task, code=code, env=cache).stderr
        assert "Skipped unsupported reflection" not in stderr, (task, stderr)
        assert "next(self.gen)" not in stderr, (task, stderr)
