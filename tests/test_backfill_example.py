"""The bake README's backfill section works when copied as it stands: its model line, its
revision text and its commands, in a baked project with rows to update."""

from __future__ import annotations

import re

from baked_project import BakedProject, created_revision
from test_readme_examples import check_example, examples

SECTION = re.compile(r"^## Backfills.*?(?=^## )", re.DOTALL | re.MULTILINE)
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
IMPORT = "from alembic_steward.backfills import Backfill"
ROWS = 2500
INSERT_ROWS = f"""
from sqlalchemy import text
from app.database import get_blocking_engine
with get_blocking_engine().begin() as connection:
    connection.execute(
        text("INSERT INTO users (email) VALUES (:email)"),
        [{{"email": f"User{{n}}@Example.COM"}} for n in range({ROWS})],
    )
"""
COUNT_LOWERED = """
from sqlalchemy import text
from app.database import get_blocking_engine
with get_blocking_engine().connect() as connection:
    print(connection.execute(text(
        "SELECT count(*) FROM users WHERE email_lower = lower(email)"
    )).scalar())
"""


def test_the_readme_backfill_runs_as_written(project: BakedProject) -> None:
    section = SECTION.search((project.path / "README.md").read_text())[0]
    model_line, declaration = PYTHON_BLOCK.findall(section)
    assert IMPORT in section and 'phase: str = "expand"' in section
    project.add_user_model()
    project.inv("db.revision", "-m", "Initial migration")
    project.inv("db.upgrade")
    inserted = project.run("python", "-c", INSERT_ROWS)
    assert inserted.returncode == 0, inserted.stderr

    models = project.path / "app" / "models.py"
    models.write_text(models.read_text() + model_line)
    project.inv("db.revision", "-m", "Add users.email_lower")
    blank = project.inv("db.revision", "-m", "Backfill users.email_lower", "--empty").stdout
    path = project.path / created_revision(blank)[1]
    text = path.read_text().replace(
        "from alembic import op\n", f"from alembic import op\n{IMPORT}\n"
    )
    text = re.sub(
        r'^phase: str = "contract"\n', 'phase: str = "expand"\n\n' + declaration, text, flags=re.M
    )
    path.write_text(text)
    assert "backfills = [" in path.read_text()

    for command, shown in examples(section):
        check_example(project, command, shown)
    counted = project.run("python", "-c", COUNT_LOWERED)
    assert counted.stdout.strip() == str(ROWS), counted.stderr
    # The files as the README has them pass the project's own linters.
    assert project.run("inv", "lint").returncode == 0
