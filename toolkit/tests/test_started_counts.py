"""A stop before a run's first migration says none had started, though an earlier run in the
same process started some (an app migrating twice, a tenant after another): the count of
migrations started was the process's, never reset, so its line said "each finished migration
stays applied" for a run that had started none."""

from __future__ import annotations

import pytest
from project import Project
from stuck_states import write_revision


def test_a_stop_before_a_later_run_s_first_migration_says_none_had_started(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_revision(project, "first", None, "    pass")
    write_revision(project, "second", "first", "    pass")
    with project.imported():
        from alembic import command

        from alembic_steward.runtime import _repointed_revisions
        from alembic_steward.runtime._config import build_alembic_config
        from alembic_steward.runtime._interruptions import exit_code_and_line

        command.upgrade(build_alembic_config(), "first")  # a run that started a migration

        def stopped_in_a_check(*_arguments: object, **_keywords: object) -> None:
            raise KeyboardInterrupt  # Ctrl-C in env.py's checks, before the first migration

        monkeypatch.setattr(_repointed_revisions, "refuse_repointed_history", stopped_in_a_check)
        with pytest.raises(KeyboardInterrupt) as stop:
            command.upgrade(build_alembic_config(), "head")
        code, line = exit_code_and_line(stop.value)
    assert code == 130
    assert line == (
        "error: SIGINT stopped the task; no migration had started: the database is at first"
        " (its version table, read after the stop)"
    ), line
