"""Advice read in an installed service names `python -m app.migrations` commands it has."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from alembic_steward import _wiring
from alembic_steward.runtime import _migration_frames, _running_migration
from alembic_steward.runtime._tenancy import Tenant, bind_tenant


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    wiring = SimpleNamespace(
        running_from_checkout=False, deploy_command="python -m app.migrations", tenancy="schema"
    )
    monkeypatch.setattr(_wiring, "active_steward", lambda: wiring)


@pytest.mark.usefixtures("installed")
def test_a_failure_whose_state_was_not_read_names_the_installed_command() -> None:
    assert "`python -m app.migrations current` shows" in _migration_frames.not_read()


@pytest.mark.usefixtures("installed")
def test_a_tenant_s_check_again_names_the_installed_status_of_that_tenant() -> None:
    bind_tenant(Tenant("acme", "schema"))
    try:
        said = _running_migration.check_again()
    finally:
        bind_tenant(None)
    assert said == "check again with `python -m app.migrations status --tenants acme`"
    assert _running_migration.check_again() == "check again with `python -m app.migrations current`"


@pytest.mark.usefixtures("installed")
def test_a_re_pointed_history_s_advice_names_the_installed_upgrade() -> None:
    from alembic_steward.runtime._repointed_revisions import RepointedRevision, repointed_message

    said = repointed_message([RepointedRevision("0003", "0001", ("0002",), ("0002",))], ["0003"])
    assert "`python -m app.migrations upgrade` here" in said, said
    # A checkout of the old history has `inv`; the accept-edit runs from a checkout too.
    assert "`inv db.downgrade -r 0001` there" in said, said
    assert "from a checkout, with DATABASE_URL naming this database, `inv db.accept-edit" in said
    assert "`inv db.upgrade`" not in said, said
