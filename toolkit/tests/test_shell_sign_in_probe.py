"""`inv db.shell` signs in once before the client does; that probe's connection is closed, not
left in the pool for the whole interactive session, and only a database's errors are the
client's to tell: a bug in the probe still raises."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from alembic_steward import _wiring
from alembic_steward.tasks._shell import refuse_refused_sign_in


class ProbedEngine:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.disposed = error, False

    @contextmanager
    def connect(self):
        if self.error is not None:
            raise self.error
        yield None

    def dispose(self) -> None:
        self.disposed = True


def test_the_sign_in_probes_connection_is_closed_before_the_client_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = ProbedEngine()
    monkeypatch.setattr(_wiring, "get_blocking_engine", lambda: engine)
    refuse_refused_sign_in("postgresql")
    assert engine.disposed


def test_a_bug_in_the_sign_in_probe_is_not_left_to_the_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_wiring, "get_blocking_engine", lambda: ProbedEngine(KeyError("bug")))
    with pytest.raises(KeyError):
        refuse_refused_sign_in("postgresql")
